// Bucket boundaries of the events histogram: hours or midnights of an IANA zone, so a chart in
// Berlin gets Berlin days (23 or 25 hours long across a DST change) and one in UTC gets UTC days.
// Pure date math on Intl (no zone database of our own); the SQL lives in services/.
import type { HistogramUnit } from '../contract/histogram.ts';

const HOUR_MS = 60 * 60 * 1000;

const formatters = new Map<string, Intl.DateTimeFormat>();

function wallClock(time: number, timeZone: string): { year: number; month: number; day: number; hour: number; minute: number } {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(new Date(time)).map((part) => [part.type, part.value]));
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
  };
}

/** Milliseconds the zone's wall clock is ahead of UTC at `time` (to the minute: zones never use seconds now). */
function offsetAt(time: number, timeZone: string): number {
  const wall = wallClock(time, timeZone);
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute);
  return asUtc - (time - (((time % 60_000) + 60_000) % 60_000));
}

/** The first instant of a calendar day in the zone (its midnight, or the first hour after a DST gap at midnight). */
function startOfDay(year: number, month: number, day: number, timeZone: string): number {
  const wall = Date.UTC(year, month - 1, day);
  let time = wall - offsetAt(wall, timeZone);
  // The offset at the guess can differ from the one at the answer when a DST change lies between.
  time = wall - offsetAt(time, timeZone);
  const landed = wallClock(time, timeZone);
  // Midnight did not exist (clocks jumped from 23:59 to 01:00): the day starts an hour later.
  if (landed.day !== new Date(wall).getUTCDate()) time += HOUR_MS;
  return time;
}

function floorTo(time: number, unit: HistogramUnit, timeZone: string): number {
  if (unit === 'hour') {
    const local = time + offsetAt(time, timeZone);
    return time - (((local % HOUR_MS) + HOUR_MS) % HOUR_MS);
  }
  const wall = wallClock(time, timeZone);
  return startOfDay(wall.year, wall.month, wall.day, timeZone);
}

function advance(time: number, unit: HistogramUnit, step: number, timeZone: string): number {
  if (unit === 'hour') return time + step * HOUR_MS;
  const wall = wallClock(time, timeZone);
  const next = new Date(Date.UTC(wall.year, wall.month - 1, wall.day + step));
  return startOfDay(next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate(), timeZone);
}

/**
 * Boundaries [start, b1, …, end] of the buckets covering [start, end): the inner ones fall on the
 * zone's hours or midnights, `step` units apart, so the first and last bucket may be partial.
 * Returns null when there would be more than `maxBuckets`.
 */
export function bucketBoundaries(
  start: number,
  end: number,
  unit: HistogramUnit,
  step: number,
  timeZone: string,
  maxBuckets: number,
): number[] | null {
  // A cheap bound first, so an absurd range never walks the calendar (a day is at least 23 hours).
  const shortestUnit = unit === 'hour' ? HOUR_MS : 23 * HOUR_MS;
  if ((end - start) / (shortestUnit * step) > maxBuckets + 1) return null;
  const bounds = [start];
  let cursor = floorTo(start, unit, timeZone);
  for (;;) {
    const next = advance(cursor, unit, step, timeZone);
    if (next >= end) break;
    bounds.push(next);
    if (bounds.length > maxBuckets) return null;
    cursor = next;
  }
  bounds.push(end);
  return bounds;
}
