import { z } from '@hono/zod-openapi';
import { AuditEventSchema } from './audit-event.ts';
import { hasNoControlCharacters } from './control-characters.ts';
import { MAX_TEXT } from './ingest.ts';
import { camelCase, GROUP_TEXT_FIELD_NAMES, type GroupTextField, OBJECT_GROUP_NAMES, type ObjectGroup } from './object-groups.ts';
import { MAX_PARAMETER_VALUES } from './query.ts';

const text = z.string().min(1).max(MAX_TEXT).refine(hasNoControlCharacters, 'must not contain control characters');
const texts = z.array(text).max(MAX_PARAMETER_VALUES).optional();
const time = z
  .union([z.iso.datetime({ offset: true }), z.iso.date()])
  .transform((value) => Date.parse(value.length === 10 ? `${value}T00:00:00Z` : value))
  .optional();

/** Akuity's `ObjectFilter` in its JSON form. */
const ObjectFilterSchema = z
  .object({
    ...(Object.fromEntries(GROUP_TEXT_FIELD_NAMES.map((field) => [field, texts])) as Record<GroupTextField, typeof texts>),
    enabled: z.boolean().optional(),
    includeChildObjects: z.boolean().optional(),
  })
  .strict();

/**
 * Akuity's `AuditFilters` in its JSON form, as the Argo CD and Kargo UI extensions send it (field
 * names in either JSON or protobuf spelling: `camelKeys` below).
 */
const ExtensionFiltersSchema = z
  .object({
    actorId: texts,
    actorType: texts,
    action: texts,
    startTime: time,
    endTime: time,
    limit: z.number().int().min(1).max(1000).optional(),
    offset: z.number().int().min(0).max(1_000_000).optional(),
    ...(Object.fromEntries(OBJECT_GROUP_NAMES.map((group) => [group, ObjectFilterSchema.optional()])) as Record<
      ObjectGroup,
      z.ZodOptional<typeof ObjectFilterSchema>
    >),
  })
  .strict()
  .openapi('AuditFilters');

const instanceId = z.string().min(1).max(MAX_TEXT).openapi({ description: 'The instance whose audit records to read' });

const ArgocdAuditRecordsRequest = z
  .object({ filters: ExtensionFiltersSchema.optional(), instanceId })
  .strict()
  .openapi('ArgocdAuditRecordsRequest');

const KargoAuditRecordsRequest = z
  .object({
    filters: ExtensionFiltersSchema.optional(),
    instanceId,
    projectName: z.string().min(1).max(MAX_TEXT).openapi({ description: 'The Kargo project whose audit records to read' }),
  })
  .strict()
  .openapi('KargoAuditRecordsRequest');

export const AuditRecordsSchema = z.object({ items: z.array(AuditEventSchema), totalCount: z.number().int() }).openapi('AuditRecords');

export type ExtensionFilters = z.infer<typeof ExtensionFiltersSchema>;
export type AuditRecords = z.infer<typeof AuditRecordsSchema>;

/**
 * Protobuf JSON accepts both spellings of a field name: snake_case keys become camelCase, down to
 * the object groups' fields (three levels; deeper values are left for the schema to refuse).
 */
function camelKeys(value: unknown, depth = 3): unknown {
  if (depth === 0 || Array.isArray(value) || value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([key, inner]) => [camelCase(key), camelKeys(inner, depth - 1)]));
}

export const ArgocdAuditRecordsBody = z.preprocess((value) => camelKeys(value), ArgocdAuditRecordsRequest);
export const KargoAuditRecordsBody = z.preprocess((value) => camelKeys(value), KargoAuditRecordsRequest);
