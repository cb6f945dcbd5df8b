import { beforeAll, describe, expect, it } from 'vitest';
import { MAX_HISTOGRAM_BUCKETS } from '../worker/contract/histogram.ts';
import type { AuditLogHistogram } from '../worker/contract/index.ts';
import { bucketBoundaries } from '../worker/events/histogram-buckets.ts';
import { call, createInstance, createOrg, expectProblem, json, type TestOrg } from './helpers/api.ts';
import { makeEvent } from './helpers/events.ts';

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;

let org: TestOrg;
let other: TestOrg;
let instanceId: string;
/** The start of the range every test counts over: before the oldest seeded event. */
let rangeStart: string;

const histogram = (target: TestOrg, query: string, token: string | null = target.ownerKey) =>
  call(`/api/v1/organizations/${target.orgId}/audit-logs-histogram?${query}`, { token });

async function listTotal(target: TestOrg, filters: URLSearchParams, start: string, end: string): Promise<number> {
  const params = new URLSearchParams(filters);
  params.set('filters.startTime', start);
  params.set('filters.endTime', end);
  params.set('filters.limit', '1');
  const page = await json<{ totalCount: number }>(
    await call(`/api/v1/organizations/${target.orgId}/audit-logs?${params}`, { token: target.ownerKey }),
    200,
  );
  return page.totalCount;
}

/** Asserts that each bucket's count is the list's totalCount for the bucket's range, with the same filters. */
async function expectCountsMatchList(target: TestOrg, filters: URLSearchParams, result: AuditLogHistogram): Promise<void> {
  const totals = await Promise.all(result.buckets.map((bucket) => listTotal(target, filters, bucket.start, bucket.end)));
  expect(result.buckets.map((bucket) => bucket.count)).toEqual(totals);
  expect(result.totalCount).toBe(totals.reduce((sum, total) => sum + total, 0));
}

beforeAll(async () => {
  org = await createOrg('histogram');
  other = await createOrg('histogram-other');
  instanceId = (await createInstance(org, 'argocd')).id;
  // 90 events over the last ~3.7 days, about one every hour, some with an instance, two actors, three actions.
  const items = Array.from({ length: 90 }, (_, index) =>
    makeEvent(
      index,
      {
        action: ['update', 'sync', 'delete'][index % 3] as string,
        actor: { type: 'user', id: index % 4 === 0 ? 'Carol@Example.com' : 'dave@example.com' },
        instanceId: index % 2 === 0 ? instanceId : null,
        details: { message: index % 5 === 0 ? `payments rollout ${index}` : `routine change ${index}` },
      },
      index * 59 + 7,
    ),
  );
  await json(await call(`/api/v1/organizations/${org.orgId}/audit-logs`, { method: 'POST', token: org.ownerKey, body: { items } }), 201);
  // The other organization has events at the same times: none of them may be counted for `org`.
  await json(
    await call(`/api/v1/organizations/${other.orgId}/audit-logs`, {
      method: 'POST',
      token: other.ownerKey,
      body: { items: items.map((item) => ({ ...item, instanceId: null })) },
    }),
    201,
  );
  rangeStart = new Date(Date.now() - 4 * DAY).toISOString();
});

describe('GET …/audit-logs-histogram', () => {
  it("counts per day and per hour exactly what the list's totalCount says for each bucket", async () => {
    const days = await json<AuditLogHistogram>(await histogram(org, `filters.startTime=${rangeStart}&bucket=day`), 200);
    expect(days.bucket).toBe('day');
    expect(days.timeZone).toBe('UTC');
    expect(days.buckets.length).toBe(5);
    // The 90 ingested events and the platform's own (the organization and its instance created).
    expect(days.totalCount).toBe(await listTotal(org, new URLSearchParams(), rangeStart, new Date().toISOString()));
    expect(days.totalCount).toBeGreaterThan(90);
    expect(days.buckets[0]?.start).toBe(rangeStart);
    // Inner boundaries are UTC midnights.
    for (const bucket of days.buckets.slice(1)) expect(bucket.start).toMatch(/T00:00:00\.000Z$/);
    await expectCountsMatchList(org, new URLSearchParams(), days);

    const end = new Date(Date.now() - DAY).toISOString();
    const start = new Date(Date.now() - 2 * DAY).toISOString();
    const hours = await json<AuditLogHistogram>(
      await histogram(org, `filters.startTime=${start}&filters.endTime=${end}&bucket=hour&timeZone=Asia/Kolkata`),
      200,
    );
    expect(hours.buckets.length).toBe(25);
    expect(hours.buckets.at(-1)?.end).toBe(end);
    // Kolkata is UTC+05:30: its hours start at half past the UTC hour.
    for (const bucket of hours.buckets.slice(1)) expect(bucket.start).toMatch(/:30:00\.000Z$/);
    await expectCountsMatchList(org, new URLSearchParams(), hours);
  });

  it('applies every filter of the list: actor, action, instance, source, free text', async () => {
    const expected: Record<string, number> = {
      'filters.actorId=dave%40example.com': 67,
      'filters.action=sync&filters.action=delete': 60,
      // 45 ingested, and the platform's own record of creating the instance.
      [`filters.instanceId=${instanceId}`]: 46,
      'filters.source=ingest': 90,
      'filters.q=payments': 18,
      'filters.q=payments&filters.action=update': 6,
      'filters.actorId=nobody': 0,
    };
    for (const [filter, total] of Object.entries(expected)) {
      const result = await json<AuditLogHistogram>(await histogram(org, `${filter}&filters.startTime=${rangeStart}&bucket=day`), 200);
      expect(result.totalCount, filter).toBe(total);
      await expectCountsMatchList(org, new URLSearchParams(filter), result);
    }
    const platform = await json<AuditLogHistogram>(
      await histogram(org, `filters.source=platform&filters.startTime=${rangeStart}&bucket=day`),
      200,
    );
    expect(platform.totalCount).toBeGreaterThan(0);
    await expectCountsMatchList(org, new URLSearchParams('filters.source=platform'), platform);
  });

  it('bounds day buckets by the midnights of the time zone asked for, across a DST change', async () => {
    const result = await json<AuditLogHistogram>(
      await histogram(org, `filters.startTime=${rangeStart}&bucket=day&timeZone=America/New_York`),
      200,
    );
    const local = new Intl.DateTimeFormat('en-US', { timeZone: 'America/New_York', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    for (const bucket of result.buckets.slice(1)) expect(local.format(new Date(bucket.start))).toBe('00:00');
    await expectCountsMatchList(org, new URLSearchParams(), result);

    // US DST ended on 2026-11-01: that day has 25 hours in New York, the next ones 24.
    const bounds = bucketBoundaries(
      Date.parse('2026-10-30T12:00:00Z'),
      Date.parse('2026-11-03T12:00:00Z'),
      'day',
      1,
      'America/New_York',
      48,
    );
    expect(bounds?.map((bound) => new Date(bound).toISOString())).toEqual([
      '2026-10-30T12:00:00.000Z',
      '2026-10-31T04:00:00.000Z',
      '2026-11-01T04:00:00.000Z',
      '2026-11-02T05:00:00.000Z',
      '2026-11-03T05:00:00.000Z',
      '2026-11-03T12:00:00.000Z',
    ]);
    const weekly = bucketBoundaries(Date.parse('2026-11-02T00:00:00Z'), Date.parse('2026-11-30T00:00:00Z'), 'day', 7, 'UTC', 48);
    expect(weekly?.length).toBe(5);
  });

  it("is owners-only and never counts another organization's events", async () => {
    // The other organization's owner, asking about `org`: 403, whether it names an instance of it or not.
    await expectProblem(await histogram(org, `filters.startTime=${rangeStart}&bucket=day`, other.ownerKey), 403);
    // Inside its own organization, `org`'s instance matches nothing of its own.
    const leaked = await json<AuditLogHistogram>(
      await histogram(other, `filters.instanceId=${instanceId}&filters.startTime=${rangeStart}&bucket=day`),
      200,
    );
    expect(leaked.totalCount).toBe(0);
    // The other organization's events (same times) count for it alone.
    const own = await json<AuditLogHistogram>(
      await histogram(other, `filters.source=ingest&filters.startTime=${rangeStart}&bucket=day`),
      200,
    );
    expect(own.totalCount).toBe(90);
    await expectCountsMatchList(other, new URLSearchParams('filters.source=ingest'), own);
    await expectProblem(await histogram(org, `filters.startTime=${rangeStart}&bucket=day`, null), 401);
  });

  it('answers bad parameters with 400 problems naming the parameter', async () => {
    const start = `filters.startTime=${rangeStart}`;
    const cases: [string, string][] = [
      ['bucket=day', 'query/filters.startTime'],
      [start, 'query/bucket'],
      [`${start}&bucket=week`, 'query/bucket'],
      [`${start}&bucket=day&step=0`, 'query/step'],
      [`${start}&bucket=day&timeZone=Mars%2FOlympus_Mons`, 'query/timeZone'],
      [`filters.startTime=not-a-time&bucket=day`, 'query/filters.startTime'],
      [`${start}&filters.endTime=${rangeStart}&bucket=day`, 'query/filters.endTime'],
      [`${start}&bucket=hour`, 'query/step'],
      [`filters.startTime=2020-01-01T00:00:00Z&bucket=day`, 'query/step'],
      [`${start}&bucket=day&filters.actorId=a%00b`, 'query/filters.actorId'],
    ];
    for (const [query, pointer] of cases) {
      const problem = await expectProblem(await histogram(org, query), 400);
      expect(problem.type, query).toBe('urn:problem:audit-logs:invalid-parameters');
      expect(
        (problem as { errors?: { pointer: string }[] }).errors?.map((error) => error.pointer),
        query,
      ).toContain(pointer);
    }
    const text = await expectProblem(await histogram(org, `${start}&bucket=day&filters.q=a`), 400);
    expect(text.type).toBe('urn:problem:audit-logs:invalid-query');
    // The largest range the limit allows still works: MAX buckets of one hour.
    const edge = new Date(Date.now() - (MAX_HISTOGRAM_BUCKETS - 1) * HOUR).toISOString();
    const result = await json<AuditLogHistogram>(await histogram(org, `filters.startTime=${edge}&bucket=hour`), 200);
    expect(result.buckets.length).toBeLessThanOrEqual(MAX_HISTOGRAM_BUCKETS);
  });
});
