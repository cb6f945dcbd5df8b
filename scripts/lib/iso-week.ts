/** Archives are per ISO week in UTC (Monday 00:00 to Sunday 24:00), like the Worker's. */
export const DAY_MS = 24 * 60 * 60 * 1000;
export const WEEK_MS = 7 * DAY_MS;

/** Monday 00:00 UTC of the ISO week that contains `time`. */
export function weekStartOf(time: number): number {
  const day = Math.floor(time / DAY_MS) * DAY_MS;
  return day - ((new Date(day).getUTCDay() + 6) % 7) * DAY_MS;
}

/** YYYY-MM-DD of a UTC instant: how the API names a week (its Monday). */
export function isoDate(time: number): string {
  return new Date(time).toISOString().slice(0, 10);
}
