import { and, count, type SQL, sql } from 'drizzle-orm';
import { type AuditLogHistogram, type HistogramUnit, MAX_HISTOGRAM_BUCKETS } from '../../contract/histogram.ts';
import type { Database } from '../../db/client.ts';
import { auditEvents } from '../../db/schema.ts';
import { ApiError } from '../../errors.ts';
import type { ResolvedFilters } from '../../events/filters.ts';
import { bucketBoundaries } from '../../events/histogram-buckets.ts';
import { choosePlan } from './audit-logs.ts';
import { filterConditions, type QueryPlan } from './filter-conditions.ts';

export interface HistogramRequest {
  unit: HistogramUnit;
  step: number;
  timeZone: string;
  /** The request's clock: the end of the range when filters.endTime is absent. */
  now: number;
}

const invalidParameter = (name: string, detail: string) =>
  new ApiError('invalid-parameters', 'The request has invalid parameters.', [{ pointer: `query/${name}`, detail }]);

/**
 * One SELECT for all buckets: the list's own WHERE (filterConditions over [first, last boundary)),
 * so each bucket's count is exactly the list's totalCount for its range, read in one index range
 * and grouped by which bucket a row's timestamp falls into. The boundaries are integers computed
 * here and inlined, so the statement binds only the filters' parameters (D1 binds at most 100).
 */
export function histogramQuery(db: Database, organizationId: string, filters: ResolvedFilters, bounds: number[], plan?: QueryPlan) {
  const first = bounds[0];
  const last = bounds.at(-1);
  if (first === undefined || last === undefined || bounds.length < 2 || !bounds.every(Number.isSafeInteger)) {
    throw new Error('histogramQuery needs at least two integer boundaries');
  }
  const inner = bounds.slice(1, -1);
  const whens: SQL[] = inner.map(
    (bound, index) => sql`WHEN ${auditEvents.timestamp} < ${sql.raw(String(bound))} THEN ${sql.raw(String(index))}`,
  );
  const where = and(...filterConditions(organizationId, { ...filters, startTime: first, endTime: last }, plan));
  // One bucket: one count, no GROUP BY. SQLite reads `GROUP BY 0` (a constant integer) as "the
  // 0th column" and fails the statement, so a range inside one hour or day was a 500.
  if (whens.length === 0) return db.select({ bucket: sql<number>`0`, count: count() }).from(auditEvents).where(where);
  const bucket = sql<number>`CASE ${sql.join(whens, sql` `)} ELSE ${sql.raw(String(inner.length))} END`;
  return db.select({ bucket, count: count() }).from(auditEvents).where(where).groupBy(bucket);
}

/** Events per hour or day (of a zone) over the filters' range, with the same matching as the list. */
export async function auditLogHistogram(
  db: Database,
  organizationId: string,
  filters: ResolvedFilters,
  request: HistogramRequest,
): Promise<AuditLogHistogram> {
  const start = filters.startTime;
  if (start === null) throw invalidParameter('filters.startTime', 'is required: the histogram covers [startTime, endTime or now)');
  const end = filters.endTime ?? request.now;
  if (end <= start) {
    throw invalidParameter(
      filters.endTime === null ? 'filters.startTime' : 'filters.endTime',
      'the range is empty: endTime (or now) must be after startTime',
    );
  }
  const bounds = bucketBoundaries(start, end, request.unit, request.step, request.timeZone, MAX_HISTOGRAM_BUCKETS);
  if (bounds === null) {
    throw invalidParameter(
      'step',
      `the range needs more than ${MAX_HISTOGRAM_BUCKETS} buckets of ${request.step} ${request.unit}(s): use a larger step or bucket, or a shorter range`,
    );
  }
  const plan = await choosePlan(db, organizationId, filters);
  const rows = await histogramQuery(db, organizationId, filters, bounds, plan);
  const counts = new Map(rows.map((row) => [Number(row.bucket), row.count]));
  const buckets = bounds.slice(0, -1).map((bucketStart, index) => ({
    start: new Date(bucketStart).toISOString(),
    end: new Date(bounds[index + 1] as number).toISOString(),
    count: counts.get(index) ?? 0,
  }));
  return {
    bucket: request.unit,
    step: request.step,
    timeZone: request.timeZone,
    buckets,
    totalCount: buckets.reduce((sum, bucket) => sum + bucket.count, 0),
  };
}
