import type { AuditEvent } from '../contract/audit-event.ts';
import type { WebhookBody, WebhookEventType } from '../contract/notification-configs.ts';

/**
 * The request body of a webhook, serialised once when the delivery is created and stored: every
 * attempt and redelivery sends (and signs) exactly these bytes.
 */
export function auditBody(event: AuditEvent): string {
  const body: WebhookBody<AuditEvent> = {
    eventTime: event.timestamp,
    eventType: 'WEBHOOK_EVENT_TYPE_AUDIT',
    organizationId: event.organizationId,
    eventId: event.id,
    auditEvent: event,
  };
  return JSON.stringify(body);
}

export function pingBody(organizationId: string, pingId: string, now: number): string {
  const body: WebhookBody = {
    eventTime: new Date(now).toISOString(),
    eventType: 'WEBHOOK_EVENT_TYPE_PING',
    organizationId,
    eventId: pingId,
  };
  return JSON.stringify(body);
}

const USER_AGENT = 'audit-logs-webhooks/1';

/** The headers of an attempt; the signature covers the body only. */
export function requestHeaders(deliveryId: string, eventType: WebhookEventType, signature: string): Record<string, string> {
  return {
    'content-type': 'application/json',
    'user-agent': USER_AGENT,
    'x-audit-delivery': deliveryId,
    'x-audit-event': eventType,
    'x-audit-signature-256': signature,
  };
}
