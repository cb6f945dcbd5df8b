/**
 * Which closed weeks of an organization have events, and how many: what the daily cron archives.
 * Read from the public API with count queries (`filters.limit=1`, whose totalCount is exact).
 */
import type { ApiClient } from './api-client.ts';
import { isoDate, WEEK_MS, weekStartOf } from './iso-week.ts';

export interface ClosedWeek {
  organizationId: string;
  /** The week's Monday, YYYY-MM-DD. */
  startDate: string;
  events: number;
}

/** Count queries in flight at once: the local Worker has two cores to share with everything else. */
const CONCURRENCY = 4;
/** Ends the walk if events vanish while it runs (retention): D1 keeps about 90 days, not ten years. */
const MAX_WEEKS_BACK = 520;

async function countEvents(client: ApiClient, organizationId: string, start: number | null, end: number): Promise<number> {
  const params = new URLSearchParams({ 'filters.limit': '1', 'filters.endTime': new Date(end).toISOString() });
  if (start !== null) params.set('filters.startTime', new Date(start).toISOString());
  const page = await client.get<{ totalCount: number }>(`/api/v1/organizations/${encodeURIComponent(organizationId)}/audit-logs?${params}`);
  return page.totalCount;
}

/**
 * Closed weeks with events, newest first. One query counts every event before the current week;
 * then weeks are counted backwards until their sum reaches that total, so the walk stops at the
 * oldest week with events however far back it is, without a guessed limit.
 */
export async function closedWeeksWithEvents(client: ApiClient, organizationId: string, now = Date.now()): Promise<ClosedWeek[]> {
  const currentWeek = weekStartOf(now);
  const total = await countEvents(client, organizationId, null, currentWeek);
  const weeks: ClosedWeek[] = [];
  let found = 0;
  for (let back = 1; found < total && back <= MAX_WEEKS_BACK; back += CONCURRENCY) {
    const starts = Array.from({ length: CONCURRENCY }, (_, index) => currentWeek - (back + index) * WEEK_MS);
    const counts = await Promise.all(starts.map((start) => countEvents(client, organizationId, start, start + WEEK_MS)));
    counts.forEach((events, index) => {
      const start = starts[index];
      if (events > 0 && start !== undefined) weeks.push({ organizationId, startDate: isoDate(start), events });
      found += events;
    });
  }
  return weeks;
}
