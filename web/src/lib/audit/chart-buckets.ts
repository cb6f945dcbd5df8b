// How the events chart divides its range: hours for ranges up to 30 hours, days up to 31 days,
// and multi-day buckets beyond, never more than MAX_BUCKETS bars. The counts come from the
// histogram endpoint in one request (audit-log-api.ts), which cuts the range at the same hours or
// midnights of the zone the view shows; the buckets planned here are the placeholders drawn
// while it answers, and the request's unit and step.
import type { TimeWindow } from './audit-filters.ts';

export const MAX_BUCKETS = 31;
const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;

type BucketUnit = 'hour' | 'day';

export interface Bucket {
  start: Date;
  end: Date;
}

export interface BucketPlan {
  unit: BucketUnit;
  /** How many units one bucket spans (1 unless the range is longer than MAX_BUCKETS days). */
  step: number;
  buckets: Bucket[];
}

/** Start of the hour or day containing `time`, in UTC or the browser's zone. */
function floorTo(time: number, unit: BucketUnit, utc: boolean): number {
  const date = new Date(time);
  if (unit === 'hour') {
    if (utc) date.setUTCMinutes(0, 0, 0);
    else date.setMinutes(0, 0, 0);
  } else if (utc) date.setUTCHours(0, 0, 0, 0);
  else date.setHours(0, 0, 0, 0);
  return date.getTime();
}

/** Adds whole units; days via the calendar so a DST change doesn't shift local midnights. */
function add(time: number, unit: BucketUnit, amount: number, utc: boolean): number {
  const date = new Date(time);
  if (unit === 'hour') return time + amount * HOUR_MS;
  if (utc) date.setUTCDate(date.getUTCDate() + amount);
  else date.setDate(date.getDate() + amount);
  return date.getTime();
}

export function planBuckets(period: TimeWindow, utc: boolean): BucketPlan {
  const start = period.start.getTime();
  const end = period.end.getTime();
  const span = Math.max(end - start, 1);
  const unit: BucketUnit = span <= 30 * HOUR_MS ? 'hour' : 'day';
  const unitMs = unit === 'hour' ? HOUR_MS : DAY_MS;
  // +1: the range usually starts and ends part-way through a unit.
  const step = Math.max(1, Math.ceil((Math.ceil(span / unitMs) + 1) / MAX_BUCKETS));

  const buckets: Bucket[] = [];
  let cursor = floorTo(start, unit, utc);
  while (cursor < end && buckets.length < MAX_BUCKETS) {
    const next = add(cursor, unit, step, utc);
    buckets.push({ start: new Date(Math.max(cursor, start)), end: new Date(Math.min(next, end)) });
    cursor = next;
  }
  return { unit, step, buckets };
}
