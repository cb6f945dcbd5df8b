// How many events, and in how many weeks, lie before the current ISO week (Monday 00:00 UTC):
// the weeks the nightly run archives. For the archive list's empty state, which must not promise
// "the first archive by Monday" when older weeks are only waiting for tonight's run.
import { api, type Fetch } from '../shell/api.ts';
import type { AuditLogPage } from '../shell/api-types.ts';

const DAY_MS = 24 * 60 * 60 * 1000;
const WEEK_MS = 7 * DAY_MS;
/**
 * Weeks counted one by one at most. D1 keeps about 90 days of events (HOT_RETENTION_DAYS), so a
 * backlog fits; beyond this only the number of events is given, to keep the requests bounded.
 */
export const MAX_WEEKS_COUNTED = 16;
/** Weekly counts in flight at once (browsers open about six connections per origin). */
const CONCURRENCY = 4;

export interface ClosedWeeks {
  /** Events dated before the current week. */
  events: number;
  /** Weeks among them that have events; null if they reach further back than MAX_WEEKS_COUNTED. */
  weeks: number | null;
}

/** Counts the events in [start, end), or before `end` when start is null. */
export type CountEvents = (start: Date | null, end: Date) => Promise<number>;

/** Monday 00:00 UTC of the ISO week that contains `now`. */
export function currentWeekStart(now: number): Date {
  const today = Math.floor(now / DAY_MS) * DAY_MS;
  return new Date(today - ((new Date(today).getUTCDay() + 6) % 7) * DAY_MS);
}

/**
 * One count for every closed week together; then, only if there are events, the weeks backwards
 * until their counts add up to it, so an organization with a short history needs few requests.
 */
export async function countClosedWeeks(count: CountEvents, now: number): Promise<ClosedWeeks> {
  const end = currentWeekStart(now).getTime();
  const events = await count(null, new Date(end));
  let found = 0;
  let weeks = 0;
  for (let back = 1; found < events && back <= MAX_WEEKS_COUNTED; back += CONCURRENCY) {
    const starts = Array.from(
      { length: Math.min(CONCURRENCY, MAX_WEEKS_COUNTED - back + 1) },
      (_, index) => end - (back + index) * WEEK_MS,
    );
    const counts = await Promise.all(starts.map((start) => count(new Date(start), new Date(start + WEEK_MS))));
    for (const weekEvents of counts) {
      found += weekEvents;
      if (weekEvents > 0) weeks += 1;
    }
  }
  return { events, weeks: found >= events ? weeks : null };
}

export function fetchClosedWeeks(fetchFn: Fetch, orgId: string, now: number, signal: AbortSignal): Promise<ClosedWeeks> {
  return countClosedWeeks(async (start, end) => {
    const params = new URLSearchParams({ 'filters.limit': '1', 'filters.endTime': end.toISOString() });
    if (start) params.set('filters.startTime', start.toISOString());
    const page = await api<AuditLogPage>(fetchFn, `/organizations/${encodeURIComponent(orgId)}/audit-logs?${params}`, { signal });
    return page.totalCount;
  }, now);
}
