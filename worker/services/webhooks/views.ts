import type {
  DeliveryAttempt,
  DeliveryHistory,
  DeliveryStatus,
  NotificationConfig,
  WebhookFilter,
} from '../../contract/notification-configs.ts';
import type { NotificationConfigRow, WebhookAttemptRow, WebhookDeliveryRow } from '../../db/schema.ts';

const iso = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : new Date(ms).toISOString());

const STATUS: Record<WebhookDeliveryRow['status'], DeliveryStatus> = {
  pending: 'NOTIFICATION_DELIVERY_STATUS_UNSPECIFIED',
  success: 'NOTIFICATION_DELIVERY_STATUS_SUCCESS',
  failure: 'NOTIFICATION_DELIVERY_STATUS_FAILURE',
};

const deliveryStatus = (status: WebhookDeliveryRow['status']): DeliveryStatus => STATUS[status];

/** Stored JSON that only this service wrote; a bad value would be a bug, shown as empty rather than a 500. */
function parseHeaders(json: string | null | undefined): Record<string, string> {
  if (!json) return {};
  try {
    return JSON.parse(json) as Record<string, string>;
  } catch {
    return {};
  }
}

export function parseFilter(json: string): WebhookFilter {
  return JSON.parse(json) as WebhookFilter;
}

/** The latest delivery of a config, joined for its list entry. */
export interface LastDeliveryRow {
  id: string;
  eventId: string;
  eventType: WebhookDeliveryRow['eventType'];
  status: WebhookDeliveryRow['status'];
  note: string | null;
  statusCode: number | null;
  error: string | null;
  endedAt: number | null;
}

export function configView(row: NotificationConfigRow, last: LastDeliveryRow | null): NotificationConfig {
  return {
    id: row.id,
    name: row.name,
    deliveryMethod: 'DELIVERY_METHOD_WEBHOOK',
    webhook: { url: row.url, active: row.active, filter: parseFilter(row.filterJson) },
    ...(last
      ? {
          lastDelivery: {
            id: last.id,
            eventId: last.eventId,
            eventType: last.eventType,
            deliveryStatus: deliveryStatus(last.status),
            time: iso(last.endedAt),
            statusCode: last.statusCode ?? 0,
            error: last.note ?? last.error ?? '',
          },
        }
      : {}),
    failingSince: iso(row.failingSince),
    pausedUntil: iso(row.pausedUntil),
    createTime: new Date(row.createdAt).toISOString(),
    updateTime: new Date(row.updatedAt).toISOString(),
  };
}

function attemptView(row: WebhookAttemptRow): DeliveryAttempt {
  return {
    attempt: row.attempt,
    deliveryStatus: row.succeeded ? 'NOTIFICATION_DELIVERY_STATUS_SUCCESS' : 'NOTIFICATION_DELIVERY_STATUS_FAILURE',
    statusCode: row.statusCode,
    response: row.response,
    error: row.error,
    startTime: new Date(row.startedAt).toISOString(),
    endTime: new Date(row.endedAt).toISOString(),
    requestHeaders: parseHeaders(row.requestHeaders),
    responseHeaders: parseHeaders(row.responseHeaders),
  };
}

/** A delivery with its latest attempt (null before the first), as one history entry. */
export function historyView(
  delivery: WebhookDeliveryRow,
  latest: WebhookAttemptRow | null,
  attempts?: WebhookAttemptRow[],
): DeliveryHistory {
  return {
    id: delivery.id,
    eventId: delivery.eventId,
    eventType: delivery.eventType,
    deliveryStatus: deliveryStatus(delivery.status),
    initialDeliveryTime: iso(delivery.firstAttemptAt),
    retryCount: Math.max(0, delivery.attemptCount - 1),
    redelivered: delivery.redeliveryOf !== null,
    webhook: {
      statusCode: latest?.statusCode ?? 0,
      response: latest?.response ?? '',
      error: delivery.note ?? latest?.error ?? '',
      startTime: iso(latest?.startedAt),
      endTime: iso(latest?.endedAt),
      requestHeaders: parseHeaders(latest?.requestHeaders),
      responseHeaders: parseHeaders(latest?.responseHeaders),
      request: delivery.body,
    },
    sequence: delivery.sequence,
    redeliveryOf: delivery.redeliveryOf,
    nextAttemptTime: delivery.status === 'pending' ? iso(delivery.nextAttemptAt) : null,
    createTime: new Date(delivery.createdAt).toISOString(),
    ...(attempts ? { attempts: attempts.map(attemptView) } : {}),
  };
}
