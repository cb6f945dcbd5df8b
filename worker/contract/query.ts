import { z } from '@hono/zod-openapi';
import { hasNoControlCharacters } from './control-characters.ts';
import { EVENT_SOURCES } from './enums.ts';
import { MAX_TEXT } from './ingest.ts';
import { integerParameter, integerParameterOr } from './integer-parameter.ts';
import {
  GROUP_TEXT_FIELD_NAMES,
  type GroupFlagField,
  type GroupTextField,
  OBJECT_GROUP_NAMES,
  OBJECT_GROUPS,
  type ObjectGroup,
} from './object-groups.ts';

/** Parameter text: no control characters (a NUL byte is never part of a real value). */
const parameterText = (max: number) => z.string().max(max).refine(hasNoControlCharacters, 'must not contain control characters');

/** Values one repeatable parameter may carry (each stays one JSON parameter of the SQL statement). */
export const MAX_PARAMETER_VALUES = 100;

/** A repeatable query parameter: `?filters.action=a&filters.action=b` (one value arrives as a string). */
const repeatable = (name: string, description: string) =>
  z
    .union([
      parameterText(MAX_TEXT).pipe(z.string().min(1)),
      z.array(parameterText(MAX_TEXT).pipe(z.string().min(1))).max(MAX_PARAMETER_VALUES),
    ])
    .optional()
    .openapi({ param: { name, in: 'query', style: 'form', explode: true }, description });

const single = (name: string, description: string) =>
  parameterText(MAX_TEXT)
    .pipe(z.string().min(1))
    .optional()
    .openapi({ param: { name, in: 'query' }, description });

/** RFC 3339, or `YYYY-MM-DD` meaning that day's 00:00 UTC (what Akuity accepts), as milliseconds. */
export const timeValue = z
  .union([z.iso.datetime({ offset: true }), z.iso.date()])
  .transform((value) => Date.parse(value.length === 10 ? `${value}T00:00:00Z` : value))
  .refine((ms) => Number.isFinite(ms), 'not a time');

const time = (name: string, description: string) =>
  timeValue.optional().openapi({ param: { name, in: 'query' }, description, type: 'string' });

/** A boolean the way Go's strconv.ParseBool reads it (what Akuity's gateway accepts). */
const flag = (name: string, description: string) =>
  z
    .enum(['true', 'false', '1', '0', 't', 'f', 'T', 'F', 'TRUE', 'FALSE', 'True', 'False'])
    .transform((value) => ['true', '1', 't', 'T', 'TRUE', 'True'].includes(value))
    .optional()
    .openapi({ param: { name, in: 'query' }, description, type: 'boolean' });

type GroupTextKey = `filters.${ObjectGroup}.${GroupTextField}`;
type GroupFlagKey = `filters.${ObjectGroup}.${GroupFlagField}`;

/** Every `filters.<group>.<field>` parameter, in its camelCase (JSON) spelling. */
function groupParameters() {
  const shape: Record<string, z.ZodType> = {};
  for (const group of OBJECT_GROUP_NAMES) {
    const type = OBJECT_GROUPS[group];
    for (const field of GROUP_TEXT_FIELD_NAMES) {
      shape[`filters.${group}.${field}`] = repeatable(`filters.${group}.${field}`, `Events of type ${type}: ${field} (repeatable: any of)`);
    }
    shape[`filters.${group}.enabled`] = flag(
      `filters.${group}.enabled`,
      `false switches the ${group} group off; true alone selects every ${type} event`,
    );
    shape[`filters.${group}.includeChildObjects`] = flag(
      `filters.${group}.includeChildObjects`,
      `Also events whose parent (name, parentName or applicationName) is one of the group's objectName values`,
    );
  }
  return shape as Record<GroupTextKey, ReturnType<typeof repeatable>> & Record<GroupFlagKey, ReturnType<typeof flag>>;
}

/**
 * The audit-log filters, shared by the JSON lists and the CSV/NDJSON export. Every name is also
 * accepted in its protobuf (snake_case) spelling (see http/query-parameters.ts), and an unknown
 * parameter is a 400: a filter is never silently dropped.
 */
export const FilterQuery = z.object({
  'filters.actorId': repeatable('filters.actorId', 'Actor id, any case (repeatable: any of)'),
  'filters.credentialId': repeatable(
    'filters.credentialId',
    'How the actor authenticated: an API key id, a session id (ses_…) or admin; everything that credential did (repeatable: any of)',
  ),
  'filters.actorType': repeatable('filters.actorType', 'Actor type, e.g. user (repeatable)'),
  'filters.action': repeatable('filters.action', 'Action, e.g. update; any case (repeatable)'),
  'filters.objectType': repeatable('filters.objectType', 'Object type, e.g. argocd_application; any case (repeatable)'),
  'filters.objectName': single('filters.objectName', 'Exact object name'),
  'filters.instanceId': single('filters.instanceId', 'Only events of this instance'),
  'filters.startTime': time('filters.startTime', 'RFC 3339 or YYYY-MM-DD (UTC midnight); events at or after'),
  'filters.endTime': time('filters.endTime', 'RFC 3339 or YYYY-MM-DD (UTC midnight); events before'),
  'filters.source': z
    .union([z.enum(EVENT_SOURCES), z.array(z.enum(EVENT_SOURCES)).max(2)])
    .optional()
    .openapi({
      param: { name: 'filters.source', in: 'query', style: 'form', explode: true },
      description: 'platform (recorded by this service) or ingest (sent to POST …/audit-logs); repeatable',
    }),
  'filters.q': parameterText(512)
    .optional()
    .openapi({
      param: { name: 'filters.q', in: 'query' },
      description: 'Free text: every word (at most 8, each at least 2 letters or digits) must prefix-match a text field',
    }),
  ...groupParameters(),
});

const pageLimit = integerParameterOr(50, 1, 1000).openapi({
  param: { name: 'filters.limit', in: 'query' },
  description: 'Page size, default 50, max 1000',
});

/** Exports stream every match unless a limit is given (Akuity's CSV honours limit and offset). */
const exportLimit = integerParameter(1, 10_000_000)
  .optional()
  .openapi({ param: { name: 'filters.limit', in: 'query' }, description: 'At most this many events (all when absent)' });

const offset = integerParameterOr(0, 0, 1_000_000).openapi({ param: { name: 'filters.offset', in: 'query' } });

export const ListQuery = FilterQuery.extend({
  'filters.limit': pageLimit,
  'filters.offset': offset,
  cursor: z
    .string()
    .max(1024)
    .optional()
    .openapi({
      param: { name: 'cursor', in: 'query' },
      description: 'nextCursor of the previous page (keyset paging; use instead of offset)',
    }),
});

export const ExportQuery = FilterQuery.extend({
  format: z
    .enum(['csv', 'ndjson'])
    .default('csv')
    .openapi({ param: { name: 'format', in: 'query' } }),
  'filters.limit': exportLimit,
  'filters.offset': offset,
});

export type FilterQueryValues = z.infer<typeof FilterQuery>;
