import { z } from '@hono/zod-openapi';
import { MAX_TEXT } from './ingest';

/** A repeatable query parameter: `?filters.action=a&filters.action=b` (one value arrives as a string). */
const repeatable = (name: string, description: string) =>
  z
    .union([z.string().min(1).max(MAX_TEXT), z.array(z.string().min(1).max(MAX_TEXT)).max(100)])
    .optional()
    .openapi({ param: { name, in: 'query', style: 'form', explode: true }, description });

const single = (name: string, description: string) =>
  z
    .string()
    .min(1)
    .max(MAX_TEXT)
    .optional()
    .openapi({ param: { name, in: 'query' }, description });

const time = (name: string, description: string) =>
  z.iso
    .datetime({ offset: true })
    .optional()
    .openapi({ param: { name, in: 'query' }, description });

/** The filters of DESIGN §6, shared by the JSON list and the CSV/NDJSON export. */
export const FilterQuery = z.object({
  'filters.actorId': repeatable('filters.actorId', 'Actor id (repeatable: any of)'),
  'filters.actorType': repeatable('filters.actorType', 'Actor type, e.g. user (repeatable)'),
  'filters.action': repeatable('filters.action', 'Action, e.g. update (repeatable)'),
  'filters.objectType': repeatable('filters.objectType', 'Object type, e.g. argocd_application (repeatable)'),
  'filters.objectName': single('filters.objectName', 'Exact object name'),
  'filters.instanceId': single('filters.instanceId', 'Only events of this instance'),
  'filters.startTime': time('filters.startTime', 'RFC 3339; events at or after'),
  'filters.endTime': time('filters.endTime', 'RFC 3339; events before'),
  'filters.q': z
    .string()
    .max(512)
    .optional()
    .openapi({ param: { name: 'filters.q', in: 'query' }, description: 'Free text: every word must prefix-match a text field' }),
});

export const ListQuery = FilterQuery.extend({
  'filters.limit': z.coerce
    .number()
    .int()
    .min(1)
    .max(1000)
    .default(50)
    .openapi({ param: { name: 'filters.limit', in: 'query' }, description: 'Page size, default 50, max 1000' }),
  'filters.offset': z.coerce
    .number()
    .int()
    .min(0)
    .max(1_000_000)
    .default(0)
    .openapi({ param: { name: 'filters.offset', in: 'query' } }),
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
});

export type FilterQueryValues = z.infer<typeof FilterQuery>;
