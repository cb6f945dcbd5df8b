import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AuditEvent, AuditLogHistogram, AuditLogPage } from '../worker/contract/index.ts';
import { call, createInstance, createKey, createOrg, json, type TestOrg, unique } from './helpers/api.ts';
import { makeEvent } from './helpers/events.ts';

/**
 * For every filter, the list's totalCount, the events the list pages through, the histogram's sum
 * and the export's rows are one number: a client paging until it reaches totalCount stops, and a
 * filter that matches nothing says 0 everywhere (a name no instance has once counted the whole
 * organization: isUnfiltered() took the empty list of its instance ids for "no filter").
 */
const MINUTE = 60_000;

let org: TestOrg;
let argo: { id: string; name: string };
let kargo: { id: string; name: string };
/** The key that sends the seeded events: their credential (reads use the owner key). */
let sender: { id: string; secret: string };
/** Every seeded event lies in [windowStart, windowEnd); the export's own events come later. */
let windowStart: number;
/** When the events were made: event k is (10 + 7k) minutes before. */
let seededAt: number;
let windowEnd: number;

beforeAll(async () => {
  org = await createOrg('count-agreement');
  argo = await createInstance(org, 'argocd', unique('alpha'));
  kargo = await createInstance(org, 'kargo', unique('beta'));
  const shapes = [
    { type: 'argocd_application', name: 'app-a', instanceId: argo.id, actor: 'alice@example.com', message: 'rollout of app-a' },
    { type: 'argocd_application', name: 'app-b', instanceId: argo.id, actor: 'bob@example.com', message: 'hotfix applied to app-b' },
    { type: 'kargo_promotion', name: 'prom-1', instanceId: kargo.id, actor: 'bob@example.com', message: 'rollout promoted' },
    { type: 'member', name: 'carol@example.com', instanceId: null, actor: 'alice@example.com', message: 'role changed' },
  ];
  seededAt = Date.now();
  const items = Array.from({ length: 22 }, (_, index) => {
    const shape = shapes[index % shapes.length] as (typeof shapes)[number];
    return makeEvent(
      index,
      {
        actor: { type: 'user', id: shape.actor },
        instanceId: shape.instanceId,
        object: { type: shape.type, id: { name: shape.name }, parentId: { name: 'prod' } },
        details: { message: `${shape.message} ${index}` },
      },
      10 + index * 7,
    );
  });
  sender = await createKey(org, 'ingest');
  await json(await call(`/api/v1/organizations/${org.orgId}/audit-logs`, { method: 'POST', token: sender.secret, body: { items } }), 201);
  // After the platform's own events of the setup (organization, instances) too.
  windowEnd = Date.now() + 1;
  windowStart = windowEnd - 3 * 60 * MINUTE;
});

const get = (path: string, params: URLSearchParams) =>
  call(`/api/v1/organizations/${org.orgId}/${path}?${params}`, { token: org.ownerKey });

const withoutBucket = (params: URLSearchParams) => new URLSearchParams([...params].filter(([name]) => name !== 'bucket'));

/** Every event the list pages through (cursor, small pages), and the totalCount of each page. */
async function pageThrough(path: string, params: URLSearchParams): Promise<{ ids: string[]; totals: number[] }> {
  const ids: string[] = [];
  const totals: number[] = [];
  let cursor: string | null = null;
  do {
    const query = new URLSearchParams(params);
    query.set('filters.limit', '10');
    if (cursor) query.set('cursor', cursor);
    const page: AuditLogPage = await json<AuditLogPage>(await get(path, query), 200);
    expect(page.totalCountExact).toBe(true);
    ids.push(...page.items.map((item) => item.id));
    totals.push(page.totalCount);
    cursor = page.nextCursor;
    // A client paging until it has totalCount events: past it, something disagrees already.
    if (ids.length > (totals[0] ?? 0) + 10) break;
  } while (cursor !== null);
  return { ids, totals };
}

/**
 * The answers of the list, the histogram and the export for one filter, and whether they agree;
 * the count they agree on. Over [start, end) when given; otherwise with no time filter at all
 * (the list's fast count path), and the histogram from the window's start to now, which holds
 * every event of the organization.
 */
async function expectAgreement(filters: URLSearchParams, range: { start: number; end: number } | null): Promise<number> {
  const params = new URLSearchParams(filters);
  if (range) {
    params.set('filters.startTime', new Date(range.start).toISOString());
    params.set('filters.endTime', new Date(range.end).toISOString());
  }
  const listed = await pageThrough('audit-logs', params);
  const totalCount = listed.totals[0] ?? -1;
  expect(listed.totals, `totalCount on every page (${filters})`).toEqual(listed.totals.map(() => totalCount));
  expect(listed.ids.length, `events paged through (${filters})`).toBe(totalCount);
  expect(new Set(listed.ids).size).toBe(listed.ids.length);

  const histogramParams = new URLSearchParams(params);
  histogramParams.set('bucket', 'hour');
  if (!range) histogramParams.set('filters.startTime', new Date(windowStart).toISOString());
  const histogram = await json<AuditLogHistogram>(await get('audit-logs-histogram', histogramParams), 200);
  expect(
    histogram.buckets.reduce((sum, bucket) => sum + bucket.count, 0),
    `histogram (${filters})`,
  ).toBe(totalCount);
  expect(histogram.totalCount).toBe(totalCount);

  const exportParams = new URLSearchParams(params);
  exportParams.set('format', 'ndjson');
  const exported = await get('csv-audit-logs', exportParams);
  expect(exported.status).toBe(200);
  const rows = (await exported.text())
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => (JSON.parse(line) as AuditEvent).id);
  expect(rows, `export (${filters})`).toEqual(listed.ids);

  if (filters.get('filters.instanceId') === argo.id) {
    // The instance's own list is the same filter.
    const own = new URLSearchParams(params);
    own.delete('filters.instanceId');
    expect((await pageThrough(`instances/${argo.id}/audit-logs`, own)).ids).toEqual(listed.ids);
  }
  return totalCount;
}

describe('totalCount, paging, histogram and export agree', () => {
  it('a name no instance has matches nothing in the count too (filters.q=instance:nope)', async () => {
    const nope = new URLSearchParams({ 'filters.q': `instance:${unique('nope')}`, 'filters.limit': '3' });
    const page = await json<AuditLogPage>(await get('audit-logs', nope), 200);
    expect(page).toMatchObject({ items: [], totalCount: 0, nextCursor: null });
    const everything = await json<AuditLogPage>(await get('audit-logs', new URLSearchParams({ 'filters.limit': '3' })), 200);
    expect(everything.totalCount).toBeGreaterThan(20);
    expect(await expectAgreement(new URLSearchParams({ 'filters.q': 'instance:nope' }), null)).toBe(0);
  });

  it("a histogram range inside one bucket is one bucket with the list's count (was a 500: GROUP BY 0)", async () => {
    // Four minutes around a seeded event, inside one UTC day (the first event whose minutes are).
    const DAY = 24 * 60 * MINUTE;
    const around = Array.from({ length: 22 }, (_, index) => seededAt - (10 + index * 7) * MINUTE).find(
      (time) => Math.floor((time - 2 * MINUTE) / DAY) === Math.floor((time + 2 * MINUTE) / DAY),
    ) as number;
    const params = new URLSearchParams({
      'filters.startTime': new Date(around - 2 * MINUTE).toISOString(),
      'filters.endTime': new Date(around + 2 * MINUTE).toISOString(),
      bucket: 'day',
    });
    const histogram = await json<AuditLogHistogram>(await get('audit-logs-histogram', params), 200);
    const listed = await json<AuditLogPage>(await get('audit-logs', withoutBucket(params)), 200);
    expect(histogram.buckets).toHaveLength(1);
    expect(histogram.totalCount).toBe(listed.totalCount);
    expect(listed.totalCount).toBeGreaterThan(0);
  });

  /**
   * Every condition the tests combine, as query parameters (`q` pairs are tokens of filters.q):
   * values that match some events and values that match none, by every kind of lookup.
   */
  const conditions = (): [string, string][][] => [
    ...[
      `instance:${argo.name}`,
      'instance:nope',
      `-instance:${kargo.name}`,
      '-instance:nope',
      'type:argocd_application',
      'type:kargo_promotion',
      'type:no_such_type',
      '-type:member',
      'actor:alice@example.com',
      'actor:nobody@example.com',
      'object:app-a',
      'object:nothing',
      '-object:app-b',
      'source:ingest',
      'source:platform',
      '-source:platform',
      'rollout',
      'zzqqnothing',
      '"hotfix applied"',
      `credential:${sender.id}`,
      `credential:${sender.id},admin`,
      'credential:key_nope',
      `-credential:${sender.id}`,
    ].map((token): [string, string][] => [['q', token]]),
    [['filters.instanceId', argo.id]],
    [['filters.instanceId', kargo.id]],
    [['filters.instanceId', 'inst_nope']],
    [['filters.objectName', 'app-a']],
    [['filters.objectName', 'prom-1']],
    [['filters.objectName', 'nothing']],
    [['filters.actorId', 'bob@example.com']],
    [['filters.source', 'ingest']],
    [['filters.source', 'platform']],
    [['filters.credentialId', sender.id]],
    [['filters.credentialId', 'admin']],
    [['filters.argocdApplication.objectName', 'app-a']],
    [['filters.argocdApplication.enabled', 'true']],
    [['filters.kargoPromotion.objectName', 'nothing']],
    [
      ['filters.argocdApplication.objectName', 'app-b'],
      ['filters.kargoPromotion.enabled', 'true'],
    ],
    [['filters.member.enabled', 'false']],
  ];

  /** The request's filter parameters for some conditions; one-valued parameters keep the last. */
  function filtersOf(chosen: [string, string][][], extraTokens: string[] = []): URLSearchParams {
    const filters = new URLSearchParams();
    const tokens = [...extraTokens];
    for (const [name, value] of chosen.flat()) {
      if (name === 'q') tokens.push(value);
      else if (name === 'filters.instanceId' || name === 'filters.objectName' || name.endsWith('.enabled')) filters.set(name, value);
      else filters.append(name, value);
    }
    if (tokens.length > 0) filters.set('filters.q', tokens.join(' '));
    return filters;
  }

  it('for each condition alone, with no time filter (the fast count path)', async () => {
    for (const condition of conditions()) await expectAgreement(filtersOf([condition]), null);
  }, 120_000);

  it('for any combination of conditions and time ranges, also those that match nothing', async () => {
    const choices = fc.record({
      chosen: fc.subarray(conditions(), { maxLength: 3 }),
      // No time filter, the whole window, its middle hour (by after:/before:), or a range before the oldest event.
      range: fc.constantFrom(null, 'window', 'part', 'empty'),
    });
    await fc.assert(
      fc.asyncProperty(choices, async ({ chosen, range }) => {
        const dates =
          range === 'part'
            ? [`after:${new Date(windowEnd - 90 * MINUTE).toISOString()}`, `before:${new Date(windowEnd - 30 * MINUTE).toISOString()}`]
            : [];
        const window = { start: windowStart, end: windowEnd };
        // `empty`: the window's first 10 minutes, before the oldest event.
        const empty = { start: windowStart, end: windowStart + 10 * MINUTE };
        await expectAgreement(filtersOf(chosen, dates), range === 'empty' ? empty : range === null ? null : window);
      }),
      {
        numRuns: 25,
        examples: [
          [{ chosen: [[['q', 'instance:nope']]], range: null }],
          [{ chosen: [[['q', '-source:platform']], [['filters.instanceId', 'inst_nope']]], range: 'window' }],
          [{ chosen: [], range: null }],
          [{ chosen: [], range: 'empty' }],
        ],
      },
    );
  }, 120_000);
});
