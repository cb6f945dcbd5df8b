import { beforeAll, describe, expect, it } from 'vitest';
import type { AuditEvent, AuditLogHistogram } from '../worker/contract/index.ts';
import { call, createOrg, json, type TestOrg } from './helpers/api.ts';
import { makeEvent } from './helpers/events.ts';

/**
 * Actor and action match regardless of (ASCII) case, through the query parameters and through the
 * search language alike, and every reader of a filter (list, histogram, export) gives the same
 * answer. Both organizations live on one shard, so they share the NOCASE index ranges: another
 * organization's value in another case must still never show.
 */

let org: TestOrg;
let other: TestOrg;

// [id, actor, action] of `org`'s events. Only ASCII letters fold (SQLite's NOCASE): É is not é.
const EVENTS: [string, string, string][] = [
  ['c1', 'carol@example.com', 'sync'],
  ['c2', 'Carol@Example.com', 'Sync'],
  ['c3', 'CAROL@EXAMPLE.COM', 'SYNC'],
  ['d1', 'dave@example.com', 'update'],
  ['d2', 'Dave@Example.com', 'Update'],
  ['e1', 'élodie@example.com', 'delete'],
  ['e2', 'Élodie@example.com', 'Delete'],
];

const ids = (events: AuditEvent[]) => events.map((event) => event.id).sort();

async function list(target: TestOrg, query: string): Promise<AuditEvent[]> {
  const page = await json<{ items: AuditEvent[]; totalCount: number }>(
    await call(`/api/v1/organizations/${target.orgId}/audit-logs?${query}&filters.source=ingest&filters.limit=1000`, {
      token: target.ownerKey,
    }),
    200,
  );
  expect(page.items).toHaveLength(page.totalCount);
  return page.items;
}

beforeAll(async () => {
  org = await createOrg('nocase', { shard: 'SHARD_1' });
  other = await createOrg('nocase-other', { shard: 'SHARD_1' });
  const items = EVENTS.map(([id, actor, action], index) => makeEvent(index, { id, action, actor: { type: 'user', id: actor } }));
  await json(await call(`/api/v1/organizations/${org.orgId}/audit-logs`, { method: 'POST', token: org.ownerKey, body: { items } }), 201);
  // The same actors and actions in yet other cases, with ids of their own.
  const foreign = EVENTS.map(([id, actor, action], index) =>
    makeEvent(index, { id: `other-${id}`, action: action.toUpperCase(), actor: { type: 'user', id: actor.toLowerCase() } }),
  );
  await json(
    await call(`/api/v1/organizations/${other.orgId}/audit-logs`, { method: 'POST', token: other.ownerKey, body: { items: foreign } }),
    201,
  );
});

describe('actor and action matching', () => {
  it('matches actor and action query parameters regardless of case, one value or several', async () => {
    const expected: Record<string, string[]> = {
      'filters.actorId=cArOl%40example.com': ['c1', 'c2', 'c3'],
      'filters.actorId=DAVE%40EXAMPLE.COM': ['d1', 'd2'],
      'filters.action=sYnC': ['c1', 'c2', 'c3'],
      'filters.action=UPDATE': ['d1', 'd2'],
      // Several values: one JSON parameter, compared COLLATE NOCASE too.
      'filters.actorId=CAROL%40example.com&filters.actorId=dave%40EXAMPLE.com': ['c1', 'c2', 'c3', 'd1', 'd2'],
      'filters.action=Sync&filters.action=uPdAtE': ['c1', 'c2', 'c3', 'd1', 'd2'],
      'filters.actorId=carol%40example.com&filters.action=UPDATE': [],
      // Only ASCII letters fold.
      'filters.actorId=%C3%89lodie%40example.com': ['e2'],
      'filters.actorId=%C3%A9LODIE%40EXAMPLE.COM': ['e1'],
      'filters.action=DELETE': ['e1', 'e2'],
    };
    for (const [query, wanted] of Object.entries(expected)) expect(ids(await list(org, query)), query).toEqual(wanted);
  });

  it('matches the search language qualifiers regardless of case, including exclusions and their intersection with parameters', async () => {
    const expected: Record<string, string[]> = {
      'actor:CAROL@example.com': ['c1', 'c2', 'c3'],
      'action:SYNC,update': ['c1', 'c2', 'c3', 'd1', 'd2'],
      'actor:Dave@example.com action:UPDATE': ['d1', 'd2'],
      '-actor:carol@EXAMPLE.com': ['d1', 'd2', 'e1', 'e2'],
      '-action:sync,DELETE': ['d1', 'd2'],
    };
    for (const [q, wanted] of Object.entries(expected)) {
      expect(ids(await list(org, `filters.q=${encodeURIComponent(q)}`)), q).toEqual(wanted);
    }
    // A parameter and a qualifier naming the same actor in two cases both hold.
    expect(ids(await list(org, `filters.actorId=carol%40example.com&filters.q=${encodeURIComponent('actor:Carol@Example.com')}`))).toEqual([
      'c1',
      'c2',
      'c3',
    ]);
    expect(ids(await list(org, `filters.action=SYNC&filters.q=${encodeURIComponent('action:update')}`))).toEqual([]);
  });

  it("never shows another organization's events with the same value in another case", async () => {
    for (const query of [
      'filters.actorId=carol%40example.com',
      'filters.action=sync',
      'filters.actorId=Carol%40example.com&filters.actorId=DAVE%40example.com',
      `filters.q=${encodeURIComponent('actor:carol@example.com action:sync,update')}`,
    ]) {
      const mine = await list(org, query);
      expect(mine.length, query).toBeGreaterThan(0);
      expect(
        mine.every((event) => !event.id.startsWith('other-')),
        query,
      ).toBe(true);
      // And from the other side: the other organization sees its own, in its own case only.
      const theirs = await list(other, query);
      expect(theirs.length, query).toBeGreaterThan(0);
      expect(
        theirs.every((event) => event.id.startsWith('other-')),
        query,
      ).toBe(true);
    }
  });

  it('gives the same answer in the histogram and the export as in the list', async () => {
    const start = new Date(Date.now() - 60 * 60 * 1000).toISOString();
    const expected: Record<string, string[]> = {
      'filters.actorId=CAROL%40EXAMPLE.COM': ['c1', 'c2', 'c3'],
      'filters.action=Sync&filters.action=UPDATE': ['c1', 'c2', 'c3', 'd1', 'd2'],
      [`filters.q=${encodeURIComponent('action:sync,UPDATE -actor:CAROL@example.com')}`]: ['d1', 'd2'],
    };
    for (const [filter, wanted] of Object.entries(expected)) {
      const query = `${filter}&filters.source=ingest&filters.startTime=${start}`;
      const listed = await list(org, `${filter}&filters.startTime=${start}`);
      expect(ids(listed), filter).toEqual(wanted);
      const histogram = await json<AuditLogHistogram>(
        await call(`/api/v1/organizations/${org.orgId}/audit-logs-histogram?${query}&bucket=hour`, { token: org.ownerKey }),
        200,
      );
      expect(histogram.totalCount, filter).toBe(listed.length);
      const exported = await call(`/api/v1/organizations/${org.orgId}/csv-audit-logs?format=ndjson&${query}`, { token: org.ownerKey });
      expect(exported.status).toBe(200);
      const lines = (await exported.text())
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as AuditEvent);
      expect(lines, filter).toEqual(listed);
    }
  });
});

describe('object type matching', () => {
  let typed: TestOrg;
  let typedOther: TestOrg;
  // [id, object type] of `typed`'s events: the same type in three cases, and another type.
  const TYPED: [string, string][] = [
    ['t1', 'kargo_promotion'],
    ['t2', 'Kargo_Promotion'],
    ['t3', 'KARGO_PROMOTION'],
    ['t4', 'argocd_application'],
  ];

  beforeAll(async () => {
    typed = await createOrg('nocase-type', { shard: 'SHARD_1' });
    typedOther = await createOrg('nocase-type-other', { shard: 'SHARD_1' });
    const event = (id: string, type: string, index: number) =>
      makeEvent(index, { id, object: { type, id: { name: `obj-${id}`, kind: '', group: '' } } });
    await json(
      await call(`/api/v1/organizations/${typed.orgId}/audit-logs`, {
        method: 'POST',
        token: typed.ownerKey,
        body: { items: TYPED.map(([id, type], index) => event(id, type, index)) },
      }),
      201,
    );
    // Another organization on the same shard with the same type in yet another case.
    await json(
      await call(`/api/v1/organizations/${typedOther.orgId}/audit-logs`, {
        method: 'POST',
        token: typedOther.ownerKey,
        body: { items: [event('other-t1', 'kArGo_PrOmOtIoN', 0)] },
      }),
      201,
    );
  });

  it('matches filters.objectType and the type: qualifier regardless of case, including -type: and their intersection', async () => {
    const expected: Record<string, string[]> = {
      'filters.objectType=kargo_promotion': ['t1', 't2', 't3'],
      'filters.objectType=KARGO_promotion': ['t1', 't2', 't3'],
      'filters.objectType=Kargo_Promotion&filters.objectType=ARGOCD_APPLICATION': ['t1', 't2', 't3', 't4'],
      [`filters.q=${encodeURIComponent('type:KARGO_PROMOTION')}`]: ['t1', 't2', 't3'],
      [`filters.q=${encodeURIComponent('type:kargo_PROMOTION,Argocd_Application')}`]: ['t1', 't2', 't3', 't4'],
      [`filters.q=${encodeURIComponent('-type:KARGO_promotion')}`]: ['t4'],
      // A parameter and a qualifier naming the same type in two cases both hold; different types, nothing.
      [`filters.objectType=kargo_promotion&filters.q=${encodeURIComponent('type:Kargo_Promotion')}`]: ['t1', 't2', 't3'],
      [`filters.objectType=kargo_promotion&filters.q=${encodeURIComponent('type:argocd_application')}`]: [],
      // Only ASCII letters fold; a type that differs otherwise is another type.
      'filters.objectType=kargo-promotion': [],
    };
    for (const [query, wanted] of Object.entries(expected)) expect(ids(await list(typed, query)), query).toEqual(wanted);
  });

  it("never shows another organization's events of the same type in another case, in the list, histogram or export", async () => {
    const mine = await list(typed, 'filters.objectType=KARGO_PROMOTION');
    expect(ids(mine)).toEqual(['t1', 't2', 't3']);
    expect(ids(await list(typedOther, 'filters.objectType=kargo_promotion'))).toEqual(['other-t1']);
    const start = new Date(Date.now() - 60 * 60 * 1000).toISOString();
    const query = `filters.objectType=Kargo_Promotion&filters.source=ingest&filters.startTime=${start}`;
    const histogram = await json<AuditLogHistogram>(
      await call(`/api/v1/organizations/${typed.orgId}/audit-logs-histogram?${query}&bucket=hour`, { token: typed.ownerKey }),
      200,
    );
    expect(histogram.totalCount).toBe(3);
    const exported = await call(`/api/v1/organizations/${typed.orgId}/csv-audit-logs?format=ndjson&${query}`, { token: typed.ownerKey });
    expect(exported.status).toBe(200);
    const lines = (await exported.text()).split('\n').filter(Boolean);
    expect(lines.map((line) => (JSON.parse(line) as AuditEvent).id).sort()).toEqual(['t1', 't2', 't3']);
  });
});
