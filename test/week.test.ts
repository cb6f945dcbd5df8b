import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { dateMs, lastWeekStartOlderThan, week, weekStartDate } from '../worker/archive/week.ts';

const at = (iso: string) => Date.parse(iso);

describe('ISO week math (UTC)', () => {
  it('finds the Monday of any instant, Sunday 23:59:59.999 included in its week', () => {
    expect(weekStartDate(at('2026-11-26T12:00:00Z'))).toBe('2026-11-23');
    expect(weekStartDate(at('2026-11-23T00:00:00Z'))).toBe('2026-11-23');
    expect(weekStartDate(at('2026-11-29T23:59:59.999Z'))).toBe('2026-11-23');
    expect(weekStartDate(at('2026-11-30T00:00:00Z'))).toBe('2026-11-30');
  });

  it('crosses year boundaries: a week can start in December and end in January', () => {
    expect(weekStartDate(at('2027-01-01T10:00:00Z'))).toBe('2026-12-28');
    const crossing = week('2026-12-28');
    expect(crossing.endDate).toBe('2027-01-03');
    expect(crossing.days.map((day) => day.date)).toEqual([
      '2026-12-28',
      '2026-12-29',
      '2026-12-30',
      '2026-12-31',
      '2027-01-01',
      '2027-01-02',
      '2027-01-03',
    ]);
  });

  it('handles leap days', () => {
    const leap = week('2028-02-28');
    expect(leap.days.map((day) => day.date)).toEqual([
      '2028-02-28',
      '2028-02-29',
      '2028-03-01',
      '2028-03-02',
      '2028-03-03',
      '2028-03-04',
      '2028-03-05',
    ]);
    expect(weekStartDate(at('2024-02-29T23:00:00Z'))).toBe('2024-02-26');
    expect(() => dateMs('2026-02-29')).toThrow(RangeError);
    expect(dateMs('2024-02-29')).toBe(at('2024-02-29T00:00:00Z'));
  });

  it('gives seven UTC days of exactly 24 h and refuses non-Mondays', () => {
    const w = week('2026-03-23'); // includes the EU daylight-saving switch: irrelevant in UTC
    expect(w.days.every((day) => day.endMs - day.startMs === 86_400_000)).toBe(true);
    expect(w.endMs - w.startMs).toBe(7 * 86_400_000);
    expect(() => week('2026-03-24')).toThrow(/not a Monday/);
    expect(() => week('2026-13-01')).toThrow(RangeError);
  });

  it('bounds the weeks that ended more than a number of days ago (retention, archive expiry)', () => {
    // The week of 2026-11-16 ended 2026-11-23 00:00: 3.5 days before this instant.
    const now = at('2026-11-26T12:00:00Z');
    expect(lastWeekStartOlderThan(now, 0) >= '2026-11-16').toBe(true);
    expect(lastWeekStartOlderThan(now, 3) >= '2026-11-16').toBe(true);
    expect(lastWeekStartOlderThan(now, 4) >= '2026-11-16').toBe(false);
    expect(lastWeekStartOlderThan(now, 4) >= '2026-11-09').toBe(true);
  });

  it('agrees with the SQL week expression used by event_weeks, over every 7 hours of two years', async () => {
    const samples: number[] = [];
    for (let ms = at('2025-12-20T00:00:00Z'); ms < at('2027-01-10T00:00:00Z'); ms += 7 * 3_600_000 + 1234) samples.push(ms);
    const rows = await env.DB.prepare(
      `SELECT value AS ms, date(value / 1000, 'unixepoch', 'weekday 0', '-6 days') AS week FROM json_each(?)`,
    )
      .bind(JSON.stringify(samples))
      .all<{ ms: number; week: string }>();
    expect(rows.results).toHaveLength(samples.length);
    for (const row of rows.results) expect(row.week, new Date(row.ms).toISOString()).toBe(weekStartDate(row.ms));
  });
});
