// When the next weekly archive can appear, for the archive list's empty state. The Worker's
// daily cron (00:30 UTC) archives every closed ISO week (Monday–Sunday, UTC) that has events, so
// the earliest archive of a fresh organization is the one of the current week, built the Monday
// after it closes.
const DAY_MS = 24 * 60 * 60 * 1000;
const CRON_OFFSET_MS = 30 * 60 * 1000;

export interface ArchiveSchedule {
  /** Sunday of the current ISO week (UTC midnight of that day). */
  weekEnds: Date;
  /** The cron run that archives the current week: the following Monday, 00:30 UTC. */
  archivedBy: Date;
}

export function nextArchiveSchedule(now: number): ArchiveSchedule {
  const today = Math.floor(now / DAY_MS) * DAY_MS;
  const daysSinceMonday = (new Date(today).getUTCDay() + 6) % 7;
  const nextMonday = today + (7 - daysSinceMonday) * DAY_MS;
  return { weekEnds: new Date(nextMonday - DAY_MS), archivedBy: new Date(nextMonday + CRON_OFFSET_MS) };
}
