import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, createInstance, createKey, createOrg, json, type TestOrg } from './helpers/api.ts';
import { build, ingestAll, lastWeek, weekEvents } from './helpers/archives.ts';
import { makeEvent } from './helpers/events.ts';
import { eventsD1 } from './helpers/shards.ts';

/**
 * Property-based fuzzing of every input surface. Properties: never a 5xx; every rejection is
 * problem+json; a rejected write changes no row. CI-sized: 10,000+ cases per run in total.
 */
const RUNS = { ingest: 3000, query: 3000, cursor: 1500, export: 1000, link: 1500, stream: 1000, unknown: 1000 };

let org: TestOrg;
let instanceId: string;
let keys: string[] = [];
let keyTurn = 0;
let link: URL;
const stats = { cases: 0, serverErrors: 0, rejected: 0 };

/** UTF-8 text as base64, the way a forged cursor would be made. */
function base64(value: string): string {
  return btoa(String.fromCharCode(...new TextEncoder().encode(value)));
}

/** Keys are rotated: every fuzz case is also a case of some key of the organization (the budgets are out of reach, vitest.config.ts). */
const nextKey = () => keys[keyTurn++ % keys.length] as string;

async function eventRows(): Promise<number> {
  return (
    (
      await (
        await eventsD1(org.orgId)
      )
        .prepare('SELECT count(*) AS n FROM audit_events_by_organization WHERE organization_id = ?')
        .bind(org.orgId)
        .first<{ n: number }>()
    )?.n ?? 0
  );
}

async function check(response: Response): Promise<number> {
  stats.cases += 1;
  if (response.status >= 500) stats.serverErrors += 1;
  expect(response.status, await response.clone().text()).toBeLessThan(500);
  if (response.status >= 400) {
    stats.rejected += 1;
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    const body = (await response.json()) as { status: number; detail: string };
    expect(body.status).toBe(response.status);
    expect(body.detail.length).toBeGreaterThan(0);
  } else {
    await response.body?.cancel();
  }
  return response.status;
}

beforeAll(async () => {
  org = await createOrg('fuzz');
  instanceId = (await createInstance(org, 'argocd')).id;
  keys = [org.ownerKey];
  for (let index = 0; index < 24; index += 1) keys.push((await createKey(org, 'owner')).secret);
  const week = lastWeek();
  await ingestAll(org, weekEvents(week.startMs, 20, 'fuzz'));
  await build(org.orgId, week.startDate);
  const archives = await json<{ archives: { presignedUrl: string }[] }>(
    await call(`/api/v1/organizations/${org.orgId}/audit-logs-archives`, { token: org.ownerKey }),
    200,
  );
  link = new URL(archives.archives[0]?.presignedUrl ?? '');
});

const text = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.constantFrom('', ' ', '%', '\u0000', '../', '"', '*', 'NEAR(', 'a\nb', '=1+1', '9'.repeat(400), '0000-01-01', 'a\ud800b'),
  // Any UTF-16 code units, lone surrogates included.
  fc.string({ unit: 'binary', maxLength: 20 }),
);
/** URL parts cannot carry lone surrogates (they are UTF-8 bytes): a client would send U+FFFD. */
const wellFormed = (value: string) => value.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');

/** Keys an attacker would try: prototype access and the fields only the service may set. */
const hostileKey = fc.constantFrom('__proto__', 'constructor', 'prototype', 'source', 'sourceKeyId', 'credential', 'sequence');
const timestamp = fc.oneof(
  fc.integer({ min: -8_640_000_000_000_000, max: 8_640_000_000_000_000 }).map((ms) => new Date(ms).toISOString()),
  fc.date({ noInvalidDate: true }).map((date) => date.toISOString()),
  text,
);
const eventLike = fc.record(
  {
    id: fc.oneof(text, fc.uuid()),
    organizationId: text,
    instanceId: fc.oneof(fc.constant(null), text, fc.constant('INSTANCE')),
    timestamp,
    action: text,
    actor: fc.oneof(fc.record({ type: text, id: text, ip: fc.oneof(text, fc.ipV4(), fc.ipV6()) }, { requiredKeys: [] }), fc.jsonValue()),
    object: fc.oneof(
      fc.record(
        { type: text, id: fc.record({ name: text, kind: text }, { requiredKeys: [] }), parentId: fc.jsonValue() },
        { requiredKeys: [] },
      ),
      fc.jsonValue(),
    ),
    details: fc.oneof(
      fc.dictionary(text, fc.jsonValue(), { maxKeys: 5 }),
      fc.dictionary(fc.oneof(hostileKey, text), fc.jsonValue({ depthSize: 'large' }), { maxKeys: 5 }),
      fc.jsonValue(),
    ),
    count: fc.oneof(fc.integer(), fc.double(), text),
    source: fc.oneof(fc.constantFrom('platform', 'ingest'), text),
    sequence: fc.oneof(fc.integer(), text),
  },
  { requiredKeys: [] },
);

describe('fuzzing', () => {
  it('ingest: any body is a 201 or a problem, and a rejected one writes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          eventLike,
          fc.record({ items: fc.array(fc.oneof(eventLike, fc.constant(makeEvent(1))), { maxLength: 5 }) }),
          fc.jsonValue(),
          // Mostly valid events with one field replaced: exercises the deep validation paths.
          fc
            .tuple(fc.constantFrom('action', 'timestamp', 'actor', 'object', 'details', 'instanceId', 'id'), fc.jsonValue())
            .map(([field, value]) => ({ ...makeEvent(1), [field]: value })),
        ),
        async (body) => {
          const before = await eventRows();
          const payload = JSON.stringify(body).replaceAll('"INSTANCE"', JSON.stringify(instanceId));
          const status = await check(
            await call(`/api/v1/organizations/${org.orgId}/audit-logs`, { method: 'POST', token: nextKey(), body: payload }),
          );
          if (status !== 201) expect(await eventRows()).toBe(before);
        },
      ),
      { numRuns: RUNS.ingest },
    );
  }, 300_000);

  it('query parameters: never a 5xx, every rejection a problem', async () => {
    const names = [
      'filters.actorId',
      'filters.actorType',
      'filters.action',
      'filters.objectType',
      'filters.objectName',
      'filters.instanceId',
      'filters.startTime',
      'filters.endTime',
      'filters.q',
      'filters.source',
      'filters.limit',
      'filters.offset',
      'cursor',
      'unknown',
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.constantFrom(...names), fc.oneof(text, fc.integer().map(String), timestamp)), { maxLength: 6 }),
        fc.boolean(),
        async (pairs, instanceRoute) => {
          const query = new URLSearchParams(pairs).toString();
          const path = instanceRoute
            ? `/api/v1/organizations/${org.orgId}/instances/${instanceId}/audit-logs`
            : `/api/v1/organizations/${org.orgId}/audit-logs`;
          await check(await call(`${path}?${query}`, { token: nextKey() }));
        },
      ),
      { numRuns: RUNS.query },
    );
  }, 300_000);

  it('unknown parameters: never widen an answer, on any audit-log endpoint (always 400)', async () => {
    const known = [
      'filters.actorId',
      'filters.actor_id',
      'filters.action',
      'filters.argocdApplication.objectName',
      'filters.argocd_application.enabled',
    ];
    const paths = ['audit-logs', 'csv-audit-logs', 'audit-logs-archives', 'audit-log-stream'];
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.constantFrom(...known), fc.constantFrom('alice@example.com', 'sync', 'true', 'x')), { maxLength: 3 }),
        // Names that are not parameters: misspellings, other cases, other groups and fields, plain text.
        fc.oneof(
          fc.constantFrom(
            'filters.actorID',
            'filters.ActorId',
            'filters.actor-id',
            'filters.argocdApplication.name',
            'filters.argocdApplications.objectName',
            'filter.action',
          ),
          fc.string({ minLength: 1, maxLength: 20 }).filter((name) => !/^(filters\.|format$|cursor$|limit$|after)/.test(name)),
        ),
        fc.constantFrom(...paths),
        async (pairs, unknown, path) => {
          const query = new URLSearchParams([...pairs, [unknown, 'x']]).toString();
          const status = await check(await call(`/api/v1/organizations/${org.orgId}/${path}?${query}`, { token: nextKey() }));
          expect(status).toBe(400);
        },
      ),
      { numRuns: RUNS.unknown },
    );
  }, 300_000);

  it('stream parameters: never a 5xx, and items always ascend past afterSequence', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.tuple(fc.constantFrom('afterSequence', 'limit', 'other'), fc.oneof(text, fc.integer().map(String), fc.nat(40).map(String))),
          {
            maxLength: 4,
          },
        ),
        async (pairs) => {
          const response = await call(`/api/v1/organizations/${org.orgId}/audit-log-stream?${new URLSearchParams(pairs)}`, {
            token: nextKey(),
          });
          if (response.status !== 200) {
            await check(response);
            return;
          }
          stats.cases += 1;
          const page = (await response.json()) as { items: { sequence: number }[]; lastSequence: number };
          const sequences = page.items.map((item) => item.sequence);
          expect(sequences).toEqual([...sequences].sort((a, b) => a - b));
          expect(page.lastSequence).toBe(sequences.at(-1) ?? page.lastSequence);
        },
      ),
      { numRuns: RUNS.stream },
    );
  }, 300_000);

  it('cursors: forged or corrupted cursors are 400s, never errors or other data', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          text,
          fc.base64String(),
          fc
            .tuple(fc.oneof(fc.integer(), fc.double(), text), fc.oneof(text, fc.integer()))
            .map((value) => base64(JSON.stringify(value)).replaceAll('=', '')),
          fc.jsonValue().map((value) => base64(JSON.stringify(value))),
        ),
        async (cursor) => {
          await check(
            await call(`/api/v1/organizations/${org.orgId}/audit-logs?cursor=${encodeURIComponent(wellFormed(cursor))}`, {
              token: nextKey(),
            }),
          );
        },
      ),
      { numRuns: RUNS.cursor },
    );
  }, 300_000);

  it('CSV/NDJSON export filters: never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('csv', 'ndjson', 'xml', ''),
        fc.array(fc.tuple(fc.constantFrom('filters.q', 'filters.action', 'filters.startTime', 'filters.actorId'), text), { maxLength: 4 }),
        async (format, pairs) => {
          const query = new URLSearchParams([['format', format], ...pairs]).toString();
          const status = await check(await call(`/api/v1/organizations/${org.orgId}/csv-audit-logs?${query}`, { token: nextKey() }));
          expect([200, 400]).toContain(status);
        },
      ),
      { numRuns: RUNS.export },
    );
  }, 300_000);

  it('signed links: any altered part is a 4xx problem, never a download', async () => {
    const parts = ['expires', 'actorType', 'actorId', 'signature'] as const;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...parts, 'path'), text, async (part, value) => {
        const target = new URL(link);
        if (part === 'path') target.pathname = target.pathname.replace(/\/[^/]+$/, `/${encodeURIComponent(wellFormed(value))}`);
        else target.searchParams.set(part, value);
        const unchanged = target.toString() === link.toString();
        const status = await check(await call(target.pathname + target.search));
        if (!unchanged) expect(status).toBeGreaterThanOrEqual(400);
      }),
      { numRuns: RUNS.link },
    );
  }, 300_000);
});

afterAll(() => {
  console.log(`fuzz: ${stats.cases} cases, ${stats.rejected} rejected as problems, ${stats.serverErrors} server errors`);
  expect(stats.cases).toBeGreaterThanOrEqual(10_000);
  expect(stats.serverErrors).toBe(0);
});
