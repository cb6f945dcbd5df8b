// The Webhooks pages' view of the notification-configs API (docs/WEBHOOKS.md).
import { api, type Fetch, isApiProblem } from '../shell/api.ts';
import type { DeliveryHistory, DeliveryHistoryList, DeliveryStatus, NotificationConfig, WebhookFilter } from '../shell/api-types.ts';
import type { FormFields } from '../shell/field-errors.ts';

const base = (orgId: string) => `/orgs/${encodeURIComponent(orgId)}/notification-configs`;
const one = (orgId: string, id: string) => `${base(orgId)}/${encodeURIComponent(id)}`;

/** What the form sends: a new webhook needs a secret; an edit may leave it out to keep the current one. */
export interface WebhookInput {
  name: string;
  webhook: { url: string; secret?: string; filter: WebhookFilter; active?: boolean };
}

export async function listWebhooks(fetchFn: Fetch, orgId: string): Promise<NotificationConfig[]> {
  return (await api<{ notificationConfigs: NotificationConfig[] }>(fetchFn, base(orgId))).notificationConfigs;
}

/** One webhook, or undefined when the organization has no such webhook. */
export async function findWebhook(fetchFn: Fetch, orgId: string, id: string): Promise<NotificationConfig | undefined> {
  try {
    return (await api<{ notificationConfig: NotificationConfig }>(fetchFn, one(orgId, id))).notificationConfig;
  } catch (cause) {
    if (isApiProblem(cause, 404)) return undefined;
    throw cause;
  }
}

export async function createWebhook(fetchFn: Fetch, orgId: string, input: WebhookInput): Promise<NotificationConfig> {
  return (await api<{ notificationConfig: NotificationConfig }>(fetchFn, base(orgId), { method: 'POST', body: input })).notificationConfig;
}

export async function updateWebhook(fetchFn: Fetch, orgId: string, id: string, input: WebhookInput): Promise<NotificationConfig> {
  return (await api<{ notificationConfig: NotificationConfig }>(fetchFn, one(orgId, id), { method: 'PUT', body: input }))
    .notificationConfig;
}

export async function deleteWebhook(fetchFn: Fetch, orgId: string, id: string): Promise<void> {
  await api<undefined>(fetchFn, one(orgId, id), { method: 'DELETE' });
}

export async function pingWebhook(fetchFn: Fetch, orgId: string, id: string): Promise<DeliveryHistory> {
  return (await api<{ history: DeliveryHistory }>(fetchFn, `${one(orgId, id)}/ping`, { method: 'POST' })).history;
}

const HISTORY_PAGE = 20;

export async function deliveryHistory(fetchFn: Fetch, orgId: string, id: string, offset = 0): Promise<DeliveryHistoryList> {
  const query = new URLSearchParams({ limit: String(HISTORY_PAGE), offset: String(offset) });
  return api<DeliveryHistoryList>(fetchFn, `${one(orgId, id)}/delivery-history?${query}`);
}

export async function deliveryDetail(fetchFn: Fetch, orgId: string, configId: string, id: string): Promise<DeliveryHistory> {
  return (await api<{ history: DeliveryHistory }>(fetchFn, `${one(orgId, configId)}/delivery-history/${encodeURIComponent(id)}`)).history;
}

export async function redeliver(fetchFn: Fetch, orgId: string, configId: string, id: string): Promise<DeliveryHistory> {
  const path = `${one(orgId, configId)}/notifications/${encodeURIComponent(id)}/redeliver`;
  return (await api<{ history: DeliveryHistory }>(fetchFn, path, { method: 'POST' })).history;
}

const STATUS_LABELS: Record<DeliveryStatus, string> = {
  NOTIFICATION_DELIVERY_STATUS_UNSPECIFIED: 'Pending',
  NOTIFICATION_DELIVERY_STATUS_SUCCESS: 'Delivered',
  NOTIFICATION_DELIVERY_STATUS_FAILURE: 'Failed',
};

export function statusLabel(status: DeliveryStatus): string {
  return STATUS_LABELS[status];
}

export function statusTone(status: DeliveryStatus): 'ok' | 'pending' | 'failed' {
  if (status === 'NOTIFICATION_DELIVERY_STATUS_SUCCESS') return 'ok';
  return status === 'NOTIFICATION_DELIVERY_STATUS_FAILURE' ? 'failed' : 'pending';
}

export function eventTypeLabel(type: DeliveryHistory['eventType']): string {
  return type === 'WEBHOOK_EVENT_TYPE_PING' ? 'Ping' : 'Audit event';
}

/** How the webhook form speaks of its fields when the API refuses them (lib/shell/field-errors.ts). */
export const WEBHOOK_FIELDS = {
  name: { label: 'Name', required: 'Give the webhook a name.', rule: 'Give the webhook a name of 1 to 200 characters.' },
  url: {
    label: 'Payload URL',
    pointer: 'webhook/url',
    required: 'Enter the payload URL, starting with https://.',
    rule: 'Enter an https:// URL of up to 2,048 characters, such as https://siem.example.com/hooks/audit.',
  },
  secret: {
    label: 'Secret',
    pointer: 'webhook/secret',
    required: 'Enter a secret of at least 16 characters, or press Generate.',
    rule: 'Enter a secret of 16 to 256 characters, or press Generate.',
  },
  filter: { label: 'Instances', pointer: 'webhook/filter', rule: 'Check the chosen instances: choose at least one, or all instances.' },
} as const satisfies FormFields;

/** The receiver's health in words, or null when it is healthy. */
export function healthText(config: NotificationConfig, now = Date.now()): string | null {
  if (!config.failingSince) return null;
  const paused = config.pausedUntil && Date.parse(config.pausedUntil) > now;
  return paused ? 'Failing; paused until the next try' : 'Failing';
}
