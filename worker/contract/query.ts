import { z } from '@hono/zod-openapi';
import { EVENT_SOURCES } from './enums.ts';
import { MAX_TEXT } from './ingest.ts';

/** Parameter text: no control characters (a NUL byte is never part of a real value). */
const parameterText = (max: number) =>
  z
    .string()
    .max(max)
    .refine((value) => !/[\u0000-\u001f\u007f]/.test(value), 'must not contain control characters');

/** A repeatable query parameter: `?filters.action=a&filters.action=b` (one value arrives as a string). */
const repeatable = (name: string, description: string) =>
  z
    .union([parameterText(MAX_TEXT).pipe(z.string().min(1)), z.array(parameterText(MAX_TEXT).pipe(z.string().min(1))).max(100)])
    .optional()
    .openapi({ param: { name, in: 'query', style: 'form', explode: true }, description });

const single = (name: string, description: string) =>
  parameterText(MAX_TEXT)
    .pipe(z.string().min(1))
    .optional()
    .openapi({ param: { name, in: 'query' }, description });

const time = (name: string, description: string) =>
  z.iso
    .datetime({ offset: true })
    .optional()
    .openapi({ param: { name, in: 'query' }, description });

/** The audit-log filters, shared by the JSON lists and the CSV/NDJSON export. */
export const FilterQuery = z.object({
  'filters.actorId': repeatable('filters.actorId', 'Actor id (repeatable: any of)'),
  'filters.actorType': repeatable('filters.actorType', 'Actor type, e.g. user (repeatable)'),
  'filters.action': repeatable('filters.action', 'Action, e.g. update (repeatable)'),
  'filters.objectType': repeatable('filters.objectType', 'Object type, e.g. argocd_application (repeatable)'),
  'filters.objectName': single('filters.objectName', 'Exact object name'),
  'filters.instanceId': single('filters.instanceId', 'Only events of this instance'),
  'filters.startTime': time('filters.startTime', 'RFC 3339; events at or after'),
  'filters.endTime': time('filters.endTime', 'RFC 3339; events before'),
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
