import type { InstanceType } from '../contract/enums.ts';
import type { WebhookFilter } from '../contract/notification-configs.ts';

/**
 * Whether an audit event goes to a webhook. The instance filters narrow events of their own
 * product only: an Argo CD filter never hides Kargo or organization-level events (members, keys,
 * webhooks), which a SIEM needs whatever instances it watches.
 */
export function passesFilter(filter: WebhookFilter, instance: { type: InstanceType; name: string } | null): boolean {
  if (!filter.events.includes('audit')) return false;
  if (!instance) return true;
  if (instance.type === 'argocd') return !filter.filterArgocdInstanceNames || filter.argocdInstanceNames.includes(instance.name);
  return !filter.filterKargoInstanceNames || filter.kargoInstanceNames.includes(instance.name);
}
