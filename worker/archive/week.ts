/**
 * ISO-week arithmetic in UTC (weeks run Monday 00:00 to Sunday 24:00). Dates are `YYYY-MM-DD`
 * strings; times are epoch milliseconds. Pure functions, no time zones.
 */
export const DAY_MS = 24 * 60 * 60 * 1000;
const WEEK_MS = 7 * DAY_MS;

export function dateString(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Midnight UTC of a `YYYY-MM-DD` date; throws on anything else (including 2026-02-30). */
export function dateMs(date: string): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  const ms = match ? Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) : Number.NaN;
  if (Number.isNaN(ms) || dateString(ms) !== date) throw new RangeError(`Not a calendar date: ${date}`);
  return ms;
}

/** Monday 00:00 UTC of the ISO week containing `ms`. */
function weekStartMs(ms: number): number {
  const dayStart = Math.floor(ms / DAY_MS) * DAY_MS;
  const weekday = (new Date(dayStart).getUTCDay() + 6) % 7; // Monday = 0 … Sunday = 6
  return dayStart - weekday * DAY_MS;
}

export function weekStartDate(ms: number): string {
  return dateString(weekStartMs(ms));
}

function isMonday(date: string): boolean {
  return new Date(dateMs(date)).getUTCDay() === 1;
}

export interface Week {
  startDate: string;
  endDate: string;
  /** Inclusive. */
  startMs: number;
  /** Exclusive: the next Monday 00:00 UTC. */
  endMs: number;
  /** The seven days, Monday first. */
  days: { date: string; startMs: number; endMs: number }[];
}

export function week(startDate: string): Week {
  const startMs = dateMs(startDate);
  if (!isMonday(startDate)) throw new RangeError(`${startDate} is not a Monday`);
  const days = Array.from({ length: 7 }, (_, index) => {
    const dayStart = startMs + index * DAY_MS;
    return { date: dateString(dayStart), startMs: dayStart, endMs: dayStart + DAY_MS };
  });
  return { startDate, endDate: dateString(startMs + 6 * DAY_MS), startMs, endMs: startMs + WEEK_MS, days };
}

/**
 * The latest week start (`YYYY-MM-DD`, to compare with `<=`) of a week that ended more than `days`
 * days before `now`: what retention and archive expiry may act on.
 */
export function lastWeekStartOlderThan(now: number, days: number): string {
  return dateString(now - days * DAY_MS - WEEK_MS);
}

export function dateParts(date: string): { year: number; month: number; day: number } {
  const value = new Date(dateMs(date));
  return { year: value.getUTCFullYear(), month: value.getUTCMonth() + 1, day: value.getUTCDate() };
}
