import { z } from '@hono/zod-openapi';
import { hostileJsonProblems } from './hostile-json.ts';
import { type FieldError, UNKNOWN_FIELD, zodFieldErrors } from './problem.ts';

/** Limits of an event (docs/ARCHITECTURE.md, "The audit event"). */
export const MAX_TEXT = 256;
const MAX_DETAILS_BYTES = 32 * 1024;
const MAX_BATCH_ITEMS = 1000;

const requiredText = z.string().min(1).max(MAX_TEXT);
const optionalText = z.string().max(MAX_TEXT).nullable().optional();
const rfc3339 = z.iso.datetime({ offset: true });

const Details = z
  .object({
    message: z.string().nullable().optional(),
    patch: z.string().nullable().optional(),
    actionType: z.string().max(MAX_TEXT).nullable().optional(),
  })
  .catchall(z.unknown())
  .refine((details) => new TextEncoder().encode(JSON.stringify(details)).byteLength <= MAX_DETAILS_BYTES, {
    message: `details must serialise to at most ${MAX_DETAILS_BYTES} bytes`,
  });

export const AuditEventInput = z
  .object({
    id: z
      .string()
      .regex(/^[\x21-\x7E]{1,256}$/, 'id must be 1–256 printable ASCII characters without spaces')
      .optional()
      .openapi({ description: 'Optional; the server makes a ULID. Resending an id is an idempotent no-op.' }),
    organizationId: z.string().max(MAX_TEXT).optional().openapi({ description: 'If present, must equal the path organization' }),
    instanceId: optionalText.openapi({ description: 'null for organization-level events' }),
    timestamp: rfc3339.openapi({ example: '2026-11-24T10:15:30.123Z' }),
    action: requiredText.openapi({ example: 'update' }),
    actor: z
      .object({
        type: requiredText.openapi({ example: 'user' }),
        id: requiredText.openapi({ example: 'alice@example.com' }),
        ip: z
          .string()
          .max(64)
          .refine(
            (value) => value === '' || z.ipv4().safeParse(value).success || z.ipv6().safeParse(value).success,
            'must be an IPv4 or IPv6 address',
          )
          .nullable()
          .optional(),
      })
      .strict(),
    object: z
      .object({
        type: requiredText.openapi({ example: 'argocd_application' }),
        id: z.object({ name: requiredText, kind: optionalText, group: optionalText, namespace: optionalText }).strict(),
        parentId: z
          .object({ name: optionalText, parentName: optionalText, applicationName: optionalText, kargoProjectName: optionalText })
          .strict()
          .nullable()
          .optional(),
      })
      .strict(),
    details: Details.nullable().optional(),
    // Accepted for compatibility with Akuity's AuditLog shape; every stored event counts once.
    // Akuity's own events carry protobuf zero values (count 0, lastOccurredTimestamp ""): accepted.
    count: z.number().int().min(0).optional(),
    lastOccurredTimestamp: z.union([rfc3339, z.literal('')]).optional(),
  })
  .strict()
  .openapi('AuditEventInput');

export type AuditEventInput = z.infer<typeof AuditEventInput>;

export const IngestBatch = z
  .object({ items: z.array(AuditEventInput).min(1).max(MAX_BATCH_ITEMS) })
  .strict()
  .openapi('AuditEventBatch');

/** A valid ingest body: its events, and whether it came as a batch (error pointers say `items/N/…`). */
export interface ParsedIngestBody {
  events: AuditEventInput[];
  batch: boolean;
}

export const IngestResultSchema = z
  .object({
    accepted: z.number().int(),
    duplicates: z.number().int(),
    ids: z.array(z.string()),
    hashes: z.record(z.string(), z.string().regex(/^[0-9a-f]{64}$/)).openapi({
      description:
        'id → contentHash of the event as stored (for a duplicate: the one stored before), for every id in ids; equal to the contentHash every read returns (docs/INTEGRITY.md), so a sender can check what was stored',
    }),
  })
  .openapi('IngestResult');

/** What a client sends: optional fields may be left out. */
export type AuditEventInputBody = z.input<typeof AuditEventInput>;
export type IngestResult = z.infer<typeof IngestResultSchema>;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * One event or `{ items: [...] }`. Each item is validated on its own so the 422 names every bad
 * item by index and path (a union error would only say "no variant matched").
 */
function parseIngestBody(raw: unknown): ({ ok: true } & ParsedIngestBody) | { ok: false; errors: FieldError[] } {
  if (isObject(raw) && 'items' in raw) {
    const items = raw.items;
    if (!Array.isArray(items)) return { ok: false, errors: [{ pointer: 'items', detail: 'items must be an array of events' }] };
    if (items.length === 0 || items.length > MAX_BATCH_ITEMS) {
      return { ok: false, errors: [{ pointer: 'items', detail: `items must hold 1 to ${MAX_BATCH_ITEMS} events (got ${items.length})` }] };
    }
    const extra = Object.keys(raw).filter((key) => key !== 'items');
    const errors: FieldError[] = extra.map((key) => ({ pointer: key, detail: UNKNOWN_FIELD }));
    const events: AuditEventInput[] = [];
    items.forEach((item, index) => {
      const prefix = ['items', String(index)];
      const hostile = hostileJsonProblems(item, prefix);
      if (hostile.length > 0) {
        errors.push(...hostile);
        return;
      }
      const result = AuditEventInput.safeParse(item);
      if (result.success) events.push(result.data);
      else errors.push(...zodFieldErrors(result.error, prefix.join('/')));
    });
    return errors.length > 0 ? { ok: false, errors } : { ok: true, events, batch: true };
  }
  const hostile = hostileJsonProblems(raw, []);
  if (hostile.length > 0) return { ok: false, errors: hostile };
  const result = AuditEventInput.safeParse(raw);
  return result.success ? { ok: true, events: [result.data], batch: false } : { ok: false, errors: zodFieldErrors(result.error) };
}

/**
 * The ingest body schema used by the route: parses with parseIngestBody, so a failure carries
 * one issue per bad field of every bad item. Documented as "one event or a batch".
 */
export const IngestBody = z
  .unknown()
  .transform((raw, ctx) => {
    const parsed = parseIngestBody(raw);
    if (parsed.ok) return parsed;
    for (const error of parsed.errors) {
      ctx.addIssue({ code: 'custom', message: error.detail, path: error.pointer === '' ? [] : error.pointer.split('/') });
    }
    return z.NEVER;
  })
  .openapi({
    description: 'One AuditEventInput, or an AuditEventBatch `{ "items": [...] }` of up to 1000 events',
    anyOf: [{ $ref: '#/components/schemas/AuditEventBatch' }, { $ref: '#/components/schemas/AuditEventInput' }],
  });
