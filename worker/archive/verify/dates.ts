/**
 * UTC calendar dates (`YYYY-MM-DD`) and RFC 3339 timestamps as the archive format writes them.
 * Written apart from the writer's week math (archive/week.ts), so a mistake there is not repeated
 * in the check; only the length of a day is shared.
 */
import { DAY_MS } from '../week.ts';

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** `YYYY-MM-DD` → UTC midnight in ms, or null when it is not a real calendar date. */
export function parseDate(text: string): number | null {
  const match = DATE.exec(text);
  if (!match) return null;
  const [, year, month, day] = match;
  const ms = Date.UTC(Number(year), Number(month) - 1, Number(day));
  return new Date(ms).toISOString().slice(0, 10) === text ? ms : null;
}

export const formatDate = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
export const isMonday = (ms: number): boolean => new Date(ms).getUTCDay() === 1;
/** The Monday of the ISO week holding `ms`. */
export const mondayOf = (ms: number): number => ms - ((new Date(ms).getUTCDay() + 6) % 7) * DAY_MS;
/** The seven day-file names of the week starting on `mondayMs`, Monday first. */
export const weekNames = (mondayMs: number): string[] =>
  Array.from({ length: 7 }, (_, day) => `${formatDate(mondayMs + day * DAY_MS)}.json`);

/** An RFC 3339 timestamp → ms, or null. */
export function parseTimestamp(value: unknown): number | null {
  if (typeof value !== 'string' || !RFC3339.test(value)) return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : ms;
}
