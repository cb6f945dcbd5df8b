// The organization-level tabs. One table drives the tab bar, the active-tab highlight and the
// organization switcher ("same tab, other org"), so adding a tab is a one-line change here
// plus its route.
import { resolve } from '$app/paths';
import type { InstanceType, KeyRole } from './api-types.ts';
import { canConfigureLogStreams, canConfigureWebhooks } from './roles.ts';

export type OrgTabId = 'audit-logs' | InstanceType | 'webhooks' | 'log-streams' | 'settings';

export interface OrgTab {
  id: OrgTabId;
  label: string;
  /**
   * Shown only to these roles (absent: to everyone): a tab the role cannot use is hidden, and its
   * page, reached by a direct link, says who may use it.
   */
  visible?: (role: KeyRole) => boolean;
}

export const ORG_TABS: readonly OrgTab[] = [
  { id: 'audit-logs', label: 'Audit Logs' },
  { id: 'argocd', label: 'Argo CD' },
  { id: 'kargo', label: 'Kargo' },
  { id: 'webhooks', label: 'Webhooks', visible: canConfigureWebhooks },
  { id: 'log-streams', label: 'Log streams', visible: canConfigureLogStreams },
  { id: 'settings', label: 'Settings' },
];

export function orgTabHref(orgId: string, tab: OrgTabId): string {
  switch (tab) {
    case 'audit-logs':
      return resolve('/orgs/[orgId]/audit-logs', { orgId });
    case 'argocd':
      return resolve('/orgs/[orgId]/argocd', { orgId });
    case 'kargo':
      return resolve('/orgs/[orgId]/kargo', { orgId });
    case 'webhooks':
      return resolve('/orgs/[orgId]/webhooks', { orgId });
    case 'log-streams':
      return resolve('/orgs/[orgId]/log-streams', { orgId });
    case 'settings':
      return resolve('/orgs/[orgId]/settings', { orgId });
  }
}

/** The tabs a role sees, in order. */
export const orgTabsFor = (role: KeyRole): OrgTab[] => ORG_TABS.filter((tab) => tab.visible?.(role) ?? true);

/** `tab` if `role` sees it, else the first tab: where switching organization lands. */
export const orgTabFor = (role: KeyRole, tab: OrgTabId): OrgTabId =>
  orgTabsFor(role).some((candidate) => candidate.id === tab) ? tab : 'audit-logs';

/**
 * Which tab a route belongs to. Instance pages sit under the tab of their instance type so the
 * user keeps their bearings (and switching org from an instance lands on that type's list).
 */
export function activeOrgTab(routeId: string | null, instanceType: InstanceType | undefined): OrgTabId {
  if (routeId?.startsWith('/orgs/[orgId]/instances/') && instanceType) return instanceType;
  if (routeId?.startsWith('/orgs/[orgId]/argocd')) return 'argocd';
  if (routeId?.startsWith('/orgs/[orgId]/kargo')) return 'kargo';
  if (routeId?.startsWith('/orgs/[orgId]/webhooks')) return 'webhooks';
  if (routeId?.startsWith('/orgs/[orgId]/log-streams')) return 'log-streams';
  if (routeId?.startsWith('/orgs/[orgId]/settings')) return 'settings';
  return 'audit-logs';
}
