import { z } from '@hono/zod-openapi';
import { hasNoControlCharacters } from './control-characters.ts';
import { integerParameterOr } from './integer-parameter.ts';
import { DisplayName, InstanceName } from './management.ts';
import { LONE_SURROGATE } from './strict-json.ts';

/** What a webhook can deliver (Akuity's names), and the states of one delivery. */
const WEBHOOK_EVENT_TYPES = ['WEBHOOK_EVENT_TYPE_AUDIT', 'WEBHOOK_EVENT_TYPE_PING'] as const;
const DELIVERY_STATUSES = [
  'NOTIFICATION_DELIVERY_STATUS_UNSPECIFIED',
  'NOTIFICATION_DELIVERY_STATUS_SUCCESS',
  'NOTIFICATION_DELIVERY_STATUS_FAILURE',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** Limits of a notification config (docs/WEBHOOKS.md). */
const MAX_WEBHOOK_URL = 2048;
const MIN_WEBHOOK_SECRET = 16;
const MAX_WEBHOOK_SECRET = 256;
const MAX_FILTER_NAMES = 100;

const instanceNames = (product: string) =>
  z
    .array(InstanceName)
    .max(MAX_FILTER_NAMES)
    .default([])
    // Repeats say nothing more; keep each name once so the stored filter reads cleanly.
    .transform((names) => [...new Set(names)])
    .openapi({ description: `${product} instance names whose events are delivered when the filter is on` });

export const WebhookFilterSchema = z
  .strictObject({
    events: z
      .array(z.literal('audit'))
      .max(1)
      .default(['audit'])
      .openapi({ description: '["audit"] delivers audit events; [] delivers only pings' }),
    filterArgocdInstanceNames: z.boolean().default(false).openapi({
      description: 'true: events of Argo CD instances are delivered only for the instances named in argocdInstanceNames',
    }),
    argocdInstanceNames: instanceNames('Argo CD'),
    filterKargoInstanceNames: z.boolean().default(false).openapi({
      description: 'true: events of Kargo instances are delivered only for the instances named in kargoInstanceNames',
    }),
    kargoInstanceNames: instanceNames('Kargo'),
  })
  .openapi('WebhookFilter');

/** Lone UTF-16 surrogates cannot be stored as UTF-8 (every HTTP body is also checked: strict-json.ts). */
const wellFormed = <T extends z.ZodType<string>>(schema: T) =>
  schema.refine((value) => !LONE_SURROGATE.test(value), 'must be well-formed Unicode');

/** No control characters: a URL or secret with a NUL byte or a newline is never meant. */
export const printable = (schema: z.ZodString) => wellFormed(schema.refine(hasNoControlCharacters, 'must not contain control characters'));

const ConfigName = wellFormed(DisplayName).openapi({ example: 'Splunk' });

const WebhookUrl = printable(z.string().trim().min(1).max(MAX_WEBHOOK_URL)).openapi({
  example: 'https://siem.example.com/hooks/audit',
  description: 'https:// only; private, loopback and link-local addresses are refused (docs/WEBHOOKS.md)',
});

const WebhookSecret = printable(z.string().min(MIN_WEBHOOK_SECRET).max(MAX_WEBHOOK_SECRET)).openapi({
  description: `HMAC-SHA256 key of X-Audit-Signature-256, ${MIN_WEBHOOK_SECRET}–${MAX_WEBHOOK_SECRET} characters. Stored encrypted, never returned.`,
});

export const CreateNotificationConfigSchema = z
  .strictObject({
    name: ConfigName,
    webhook: z.strictObject({
      url: WebhookUrl,
      secret: WebhookSecret,
      filter: WebhookFilterSchema.default(WebhookFilterSchema.parse({})),
    }),
  })
  .openapi('CreateNotificationConfig');

export const UpdateNotificationConfigSchema = z
  .strictObject({
    name: ConfigName,
    webhook: z.strictObject({
      url: WebhookUrl,
      secret: WebhookSecret.optional().openapi({ description: 'Absent: the current secret stays' }),
      filter: WebhookFilterSchema.default(WebhookFilterSchema.parse({})),
      active: z.boolean().optional().openapi({
        description: 'false stops deliveries (pending ones fail); true again delivers the events recorded from then on. Absent: unchanged.',
      }),
    }),
  })
  .openapi('UpdateNotificationConfig');

const time = (description: string) =>
  z
    .string()
    .nullable()
    .openapi({ description: `RFC 3339; ${description}` });

const LastDeliverySchema = z
  .object({
    id: z.string(),
    eventId: z.string(),
    eventType: z.enum(WEBHOOK_EVENT_TYPES),
    deliveryStatus: z.enum(DELIVERY_STATUSES),
    time: time('when its latest attempt ended'),
    statusCode: z.number().int().openapi({ description: "The receiver's HTTP status; 0 when it gave none" }),
    error: z.string(),
  })
  .openapi('LastDelivery');

const NotificationConfigSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    deliveryMethod: z.literal('DELIVERY_METHOD_WEBHOOK'),
    webhook: z.object({ url: z.string(), active: z.boolean(), filter: WebhookFilterSchema }),
    lastDelivery: LastDeliverySchema.optional().openapi({ description: 'The delivery attempted last; absent before the first attempt' }),
    failingSince: time('the receiver has failed every attempt since then (null: healthy)'),
    pausedUntil: time('no attempt before then: the receiver kept failing or asked to wait (Retry-After)'),
    createTime: z.string(),
    updateTime: z.string(),
  })
  .openapi('NotificationConfig');

export const NotificationConfigAnswerSchema = z
  .object({ notificationConfig: NotificationConfigSchema })
  .openapi('NotificationConfigAnswer');
export const NotificationConfigListSchema = z
  .object({ notificationConfigs: z.array(NotificationConfigSchema) })
  .openapi('NotificationConfigList');

const headerMap = z.record(z.string(), z.string());

/** One HTTP attempt of a delivery. */
const DeliveryAttemptSchema = z
  .object({
    attempt: z.number().int().openapi({ description: '1 for the first attempt' }),
    deliveryStatus: z.enum(DELIVERY_STATUSES),
    statusCode: z.number().int().openapi({ description: "The receiver's HTTP status; 0 when it gave none" }),
    response: z.string().openapi({ description: 'The response body, at most 4 KiB (truncated with an ellipsis)' }),
    error: z.string().openapi({ description: 'Why the attempt failed ("" on success)' }),
    startTime: z.string(),
    endTime: z.string(),
    requestHeaders: headerMap,
    responseHeaders: headerMap,
  })
  .openapi('DeliveryAttempt');

const DeliveryHistorySchema = z
  .object({
    id: z.string().openapi({ description: 'The delivery id, sent as X-Audit-Delivery' }),
    eventId: z.string().openapi({ description: 'The audit event id (or the ping id): receivers deduplicate by it' }),
    eventType: z.enum(WEBHOOK_EVENT_TYPES),
    deliveryStatus: z
      .enum(DELIVERY_STATUSES)
      .openapi({ description: 'UNSPECIFIED while the delivery is pending (not yet attempted or retrying)' }),
    initialDeliveryTime: time('start of the first attempt (null: not attempted yet)'),
    retryCount: z.number().int().openapi({ description: 'Attempts after the first' }),
    redelivered: z.boolean(),
    webhook: z.object({
      statusCode: z.number().int(),
      response: z.string(),
      error: z.string(),
      startTime: time('of the latest attempt'),
      endTime: time('of the latest attempt'),
      requestHeaders: headerMap,
      responseHeaders: headerMap,
      request: z.string().openapi({ description: 'The exact request body (what the signature covers)' }),
    }),
    sequence: z.number().int().nullable().openapi({ description: "The audit event's sequence (null for a ping)" }),
    redeliveryOf: z.string().nullable().openapi({ description: 'The delivery this one sends again' }),
    nextAttemptTime: time('of the next attempt while pending'),
    createTime: z.string(),
    attempts: z
      .array(DeliveryAttemptSchema)
      .optional()
      .openapi({ description: 'Every attempt, oldest first (single-delivery answers only)' }),
  })
  .openapi('DeliveryHistory');

export const DeliveryHistoryListSchema = z
  .object({ history: z.array(DeliveryHistorySchema), totalHistoryCount: z.number().int() })
  .openapi('DeliveryHistoryList');
export const DeliveryHistoryAnswerSchema = z.object({ history: DeliveryHistorySchema }).openapi('DeliveryHistoryAnswer');

export const DeliveryHistoryQuery = z.strictObject({
  limit: integerParameterOr(20, 1, 100).openapi({
    param: { name: 'limit', in: 'query' },
    description: 'Deliveries per page, default 20, max 100',
  }),
  offset: integerParameterOr(0, 0, 1_000_000).openapi({
    param: { name: 'offset', in: 'query' },
    description: 'Deliveries to skip (newest first)',
  }),
});

/** The body of every webhook request; `auditEvent` is absent from pings. */
export interface WebhookBody<Event = unknown> {
  eventTime: string;
  eventType: WebhookEventType;
  organizationId: string;
  eventId: string;
  auditEvent?: Event;
}

export type WebhookFilter = z.infer<typeof WebhookFilterSchema>;
export type NotificationConfig = z.infer<typeof NotificationConfigSchema>;
export type DeliveryAttempt = z.infer<typeof DeliveryAttemptSchema>;
export type DeliveryHistory = z.infer<typeof DeliveryHistorySchema>;
export type DeliveryHistoryList = z.infer<typeof DeliveryHistoryListSchema>;
