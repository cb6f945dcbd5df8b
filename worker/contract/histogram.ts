import { z } from '@hono/zod-openapi';
import { integerParameterOr } from './integer-parameter.ts';
import { FilterQuery, timeValue } from './query.ts';

const HISTOGRAM_UNITS = ['hour', 'day'] as const;
export type HistogramUnit = (typeof HISTOGRAM_UNITS)[number];

/**
 * Buckets one answer may hold. A chart shows about a month of days or two days of hours; longer
 * ranges take a larger `step`. The cost is one index range whatever the number of buckets.
 */
export const MAX_HISTOGRAM_BUCKETS = 48;

/** An IANA zone name the runtime knows (what `Intl.DateTimeFormat` accepts), e.g. Europe/Berlin. */
function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

/**
 * The list's filters (every `filters.*` of FilterQuery, so a new filter applies here too) plus the
 * bucket size. The range is required: `filters.startTime`, and `filters.endTime` or now.
 */
export const HistogramQuery = FilterQuery.extend({
  'filters.startTime': timeValue.openapi({
    param: { name: 'filters.startTime', in: 'query', required: true },
    description: 'RFC 3339 or YYYY-MM-DD (UTC midnight); the first bucket starts here (events at or after)',
    type: 'string',
  }),
  bucket: z.enum(HISTOGRAM_UNITS).openapi({
    param: { name: 'bucket', in: 'query', required: true },
    description: 'Bucket unit: hour or day, aligned to the hours or midnights of timeZone',
  }),
  step: integerParameterOr(1, 1, 366).openapi({
    param: { name: 'step', in: 'query' },
    description: 'Units per bucket, default 1 (e.g. bucket=day&step=7 for weeks)',
  }),
  timeZone: z
    .string()
    .max(64)
    .default('UTC')
    .refine(isTimeZone, 'must be an IANA time zone name, e.g. UTC or Europe/Berlin')
    .openapi({
      param: { name: 'timeZone', in: 'query' },
      description: 'IANA zone whose hours or midnights bound the buckets, default UTC',
    }),
});

const HistogramBucketSchema = z.object({
  start: z.string().openapi({ description: 'RFC 3339, inclusive (the first bucket starts at filters.startTime)' }),
  end: z.string().openapi({ description: 'RFC 3339, exclusive (the last bucket ends at filters.endTime or now)' }),
  count: z.number().int().openapi({ description: 'Matching events in [start, end): the list’s totalCount for that range' }),
});

export const HistogramSchema = z
  .object({
    bucket: z.enum(HISTOGRAM_UNITS),
    step: z.number().int(),
    timeZone: z.string(),
    buckets: z.array(HistogramBucketSchema).openapi({ description: `Oldest first, at most ${MAX_HISTOGRAM_BUCKETS}` }),
    totalCount: z.number().int().openapi({ description: 'The sum of the counts: every match in the range' }),
  })
  .openapi('AuditLogHistogram');

export type AuditLogHistogram = z.infer<typeof HistogramSchema>;
