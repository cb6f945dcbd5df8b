// What the retention settings mean for one event, in dates: the Worker's daily run (00:30 UTC)
// removes a whole ISO week (Monday–Sunday, UTC) from the database once the week ended more than
// `hotRetentionDays` ago and its archive verifies, and deletes the week's archive ZIP once it ended
// more than `archiveRetentionDays` ago (0: never). Manifests and signatures are never deleted.
import type { AuditLogSettings } from '../shell/api-types.ts';

const DAY_MS = 24 * 60 * 60 * 1000;
const DAILY_RUN_OFFSET_MS = 30 * 60 * 1000;

export const HOT_DAYS = { min: 7, max: 3650 } as const;
export const ARCHIVE_DAYS = { min: 365, max: 36_500 } as const;

export interface RetentionTimeline {
  /** The end of the week an event of `now` belongs to: the next Monday, 00:00 UTC. */
  weekEnds: Date;
  /** The daily run that removes that week from search (the API, this dashboard, exports, the stream). */
  leavesSearch: Date;
  /** The daily run that deletes that week's ZIP; null when archives are kept forever. */
  zipDeleted: Date | null;
}

export function retentionTimeline(now: number, settings: AuditLogSettings): RetentionTimeline {
  const today = Math.floor(now / DAY_MS) * DAY_MS;
  const daysSinceMonday = (new Date(today).getUTCDay() + 6) % 7;
  const weekEnds = today + (7 - daysSinceMonday) * DAY_MS;
  const run = (days: number): Date => new Date(weekEnds + days * DAY_MS + DAILY_RUN_OFFSET_MS);
  return {
    weekEnds: new Date(weekEnds),
    leavesSearch: run(settings.hotRetentionDays),
    zipDeleted: settings.archiveRetentionDays === 0 ? null : run(settings.archiveRetentionDays),
  };
}

/** A whole number of days typed into a field, or null (empty, fractional, not a number). */
export function wholeDays(text: string): number | null {
  const trimmed = text.trim();
  return /^\d{1,6}$/.test(trimmed) ? Number(trimmed) : null;
}
