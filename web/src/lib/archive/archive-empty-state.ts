// What the archive list says while an organization has no archive: whether closed weeks are
// waiting for tonight's run, or when the first week will close and be archived.

import { plural } from '../shell/format-number.ts';
import { formatDateTime, formatLongDate, zoneName } from '../shell/format-time.ts';
import { nextArchiveSchedule } from './archive-schedule.ts';
import type { ClosedWeeks } from './closed-weeks.ts';
import { nextNightlyArchiveRun } from './nightly-archive-run.ts';

/** `closed` is null when it could not be counted: the copy then promises nothing. */
export function archiveEmptyState(closed: ClosedWeeks | null, now: number): string {
  if (closed === null) {
    return 'Each week (Monday–Sunday, UTC) is archived once it has closed, by a job that runs daily at 00:30 UTC.';
  }
  if (closed.events > 0) {
    const run = formatDateTime(nextNightlyArchiveRun(now), false);
    const single = closed.weeks === null ? closed.events === 1 : closed.weeks === 1;
    const waiting =
      closed.weeks === null
        ? `${plural(closed.events, 'event')} from closed weeks`
        : `${plural(closed.weeks, 'closed week')} with ${plural(closed.events, 'event')}`;
    return (
      `${waiting} ${single ? 'is' : 'are'} waiting for the nightly archive run at 00:30 UTC (next: ${run} ${zoneName(false)}, your time). ` +
      `${closed.weeks === 1 ? 'Its archive' : 'Their archives'} will be listed here after it.`
    );
  }
  const schedule = nextArchiveSchedule(now);
  return `Each week (Monday–Sunday, UTC) is archived once it has closed, by a job that runs daily at 00:30 UTC. This week closes on ${formatLongDate(
    schedule.weekEnds,
    true,
  )}, so the first archive will be here by ${formatDateTime(schedule.archivedBy, true)} UTC (${formatDateTime(schedule.archivedBy, false)} ${zoneName(false)}, your time).`;
}
