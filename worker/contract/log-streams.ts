/**
 * The log-stream configuration API (docs/STREAMS.md, "API"): one strict body per destination type,
 * the common fields first. Secrets are write-only: answers say `hasSecret` instead.
 */
import { z } from '@hono/zod-openapi';
import { integerParameterOr } from './integer-parameter.ts';
import { DisplayName } from './management.ts';
import { printable, WebhookFilterSchema } from './notification-configs.ts';

export const STREAM_TYPES = ['https', 'splunk_hec', 'datadog', 's3'] as const;
export const STREAM_FORMATS = ['native', 'ocsf'] as const;
/** active: delivering; error: retrying since failingSince; invalid: 401/403/404, waits for a config change; inactive: switched off. */
export const STREAM_STATES = ['active', 'error', 'invalid', 'inactive'] as const;
export type StreamType = (typeof STREAM_TYPES)[number];

const MAX_URL = 2048;

const Url = (description: string) =>
  printable(z.string().trim().min(1).max(MAX_URL)).openapi({
    description: `${description}; https:// only, private, loopback and link-local addresses refused (docs/WEBHOOKS.md)`,
  });

/** A credential: printable, bounded; stored encrypted, never returned. */
const Secret = (min: number, description: string) =>
  printable(z.string().min(min).max(256)).openapi({ description: `${description}. Stored encrypted, never returned.` });

const common = {
  name: printable(DisplayName).openapi({ example: 'Splunk' }),
  format: z.enum(STREAM_FORMATS).openapi({ description: 'native: the API\'s event; ocsf: OCSF 1.8.0 (docs/STREAMS.md, "OCSF")' }),
  filter: WebhookFilterSchema.default(WebhookFilterSchema.parse({})),
  active: z.boolean().openapi({ description: 'false: nothing is sent (state inactive)' }),
};

/** `secret` is required on create and optional on replace (absent: the stored one stays). */
function typeSchemas<Required extends boolean>(secretRequired: Required) {
  const secret = <T extends z.ZodType>(schema: T) => (secretRequired ? schema : schema.optional());
  return [
    z.strictObject({
      ...common,
      type: z.literal('https'),
      url: Url('Receives NDJSON batches'),
      secret: secret(Secret(16, 'HMAC-SHA256 key of X-Audit-Signature-256, 16–256 characters')),
      headers: z
        .record(z.string(), z.string())
        .optional()
        .openapi({ description: 'Extra headers, at most 20; no credentials, hop-by-hop or X-Audit-* (docs/STREAMS.md)' }),
    }),
    z.strictObject({
      ...common,
      type: z.literal('splunk_hec'),
      url: Url('The HEC event endpoint, …/services/collector/event'),
      token: secret(Secret(1, 'The HEC token (Authorization: Splunk <token>)')),
    }),
    z.strictObject({
      ...common,
      type: z.literal('datadog'),
      site: z
        .string()
        .min(1)
        .max(64)
        .optional()
        .openapi({ example: 'datadoghq.eu', description: 'A Datadog site; `url` wins when both are given' }),
      url: Url('An intake or proxy URL').optional(),
      apiKey: secret(Secret(1, 'DD-API-KEY')),
    }),
    z.strictObject({
      ...common,
      type: z.literal('s3'),
      endpoint: Url('S3-compatible endpoint, path-style <endpoint>/<bucket>/<key>'),
      region: z.string().regex(/^[a-z0-9-]{1,64}$/, 'must be a region name such as eu-west-1 or auto'),
      bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name (3–63 lowercase letters, digits, . and -)'),
      prefix: z.string().max(1024).openapi({ description: "Letters, digits, / and !_.*'()- only" }),
      accessKeyId: printable(z.string().min(1).max(128)),
      secretAccessKey: secret(Secret(1, 'The secret access key (Signature V4)')),
      exportArchives: z.boolean().default(false).openapi({ description: 'Also copy each weekly archive there when it is built' }),
    }),
  ] as const;
}

export const CreateLogStreamSchema = z.discriminatedUnion('type', typeSchemas(true)).openapi('CreateLogStream');
export const UpdateLogStreamSchema = z.discriminatedUnion('type', typeSchemas(false)).openapi('UpdateLogStream');
export type CreateLogStreamBody = z.infer<typeof CreateLogStreamSchema>;
export type UpdateLogStreamBody = z.infer<typeof UpdateLogStreamSchema>;

const time = (description: string) =>
  z
    .string()
    .nullable()
    .openapi({ description: `RFC 3339; ${description}` });

const LogStreamSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    type: z.enum(STREAM_TYPES),
    format: z.enum(STREAM_FORMATS),
    filter: WebhookFilterSchema,
    active: z.boolean(),
    settings: z.record(z.string(), z.unknown()).openapi({
      description: "The type's fields but its secret (url, headers, site, endpoint, region, bucket, prefix, accessKeyId, exportArchives)",
    }),
    hasSecret: z
      .boolean()
      .openapi({ description: "The type's secret (secret, token, apiKey or secretAccessKey) is set; it is never returned" }),
    state: z.enum(STREAM_STATES),
    failingSince: time('every delivery has failed since then (null: healthy)'),
    deliveredThroughSequence: z.number().int().openapi({ description: 'Every event up to this sequence has been delivered' }),
    lagEvents: z.number().int().openapi({ description: "The organization's highest sequence minus deliveredThroughSequence" }),
    createTime: z.string(),
    updateTime: z.string(),
  })
  .openapi('LogStream');

export const LogStreamAnswerSchema = z.object({ stream: LogStreamSchema }).openapi('LogStreamAnswer');
export const LogStreamListSchema = z.object({ streams: z.array(LogStreamSchema) }).openapi('LogStreamList');
export type LogStream = z.infer<typeof LogStreamSchema>;

export const LogStreamTestSchema = z
  .object({
    ok: z.boolean().openapi({ description: 'The destination accepted the batch (2xx)' }),
    status: z.number().int().openapi({ description: "The destination's HTTP status; 0 when it gave none" }),
    body: z.string().openapi({ description: "The destination's answer, at most 4 KiB" }),
    error: z.string().openapi({ description: 'Why the test failed ("" on success): a refused connection, a redirect, a status' }),
    ms: z.number().int(),
  })
  .openapi('LogStreamTestResult');
export type LogStreamTestResult = z.infer<typeof LogStreamTestSchema>;

const LogStreamDeliverySchema = z
  .object({
    id: z.string(),
    kind: z.enum(['test', 'batch', 'archive']).openapi({
      description:
        'test: sent by POST …/test (sequence 0); batch: events delivered; archive: one weekly archive file copied (exportArchives)',
    }),
    firstSequence: z.number().int(),
    lastSequence: z.number().int(),
    eventCount: z.number().int(),
    bytes: z.number().int().openapi({ description: 'Request body bytes as sent (compressed for datadog and s3)' }),
    ok: z.boolean(),
    status: z.number().int().openapi({ description: "The destination's HTTP status; 0 when it gave none" }),
    error: z.string(),
    body: z.string().openapi({ description: "The destination's answer, at most 4 KiB" }),
    startTime: z.string(),
    endTime: z.string(),
    ms: z.number().int(),
  })
  .openapi('LogStreamDelivery');
export type LogStreamDelivery = z.infer<typeof LogStreamDeliverySchema>;

export const LogStreamDeliveriesSchema = z
  .object({ deliveries: z.array(LogStreamDeliverySchema).openapi({ description: 'Newest first' }), totalCount: z.number().int() })
  .openapi('LogStreamDeliveries');

export const LogStreamDeliveriesQuery = z.strictObject({
  limit: integerParameterOr(20, 1, 100).openapi({ param: { name: 'limit', in: 'query' }, description: 'default 20, max 100' }),
  offset: integerParameterOr(0, 0, 1_000_000).openapi({ param: { name: 'offset', in: 'query' } }),
});
