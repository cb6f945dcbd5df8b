import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { AuditLogPage } from '../worker/contract/audit-event.ts';
import { database } from '../worker/db/client.ts';
import { decodeCursor, type PageRequest } from '../worker/events/cursor.ts';
import { NO_RESOLVED_FILTERS, type ResolvedFilters } from '../worker/events/filters.ts';
import { pageQuery, type QueryLimits, queryAuditLogs } from '../worker/services/query/audit-logs.ts';
import { call, createOrg, json, type TestOrg } from './helpers/api.ts';
import { makeEvent } from './helpers/events.ts';
import { eventsDatabase } from './helpers/shards.ts';

// Small thresholds so a few events are "a common word": more matches than ftsFirstLimit, counted
// up to textCountLimit. The defaults (20,000 and 1,000) behave the same at scale.
const COMMON: QueryLimits = { ftsFirstLimit: 5, textCountLimit: 10, recentRows: 50_000 };
// The walk leaves the newest rows after 3: every later row reads the set of all matches.
const DEEP: QueryLimits = { ...COMMON, recentRows: 3 };
const EXACT: QueryLimits = { ftsFirstLimit: 20_000, textCountLimit: 1_000, recentRows: 50_000 };

const text = (word: string): ResolvedFilters => ({ ...NO_RESOLVED_FILTERS, text: { words: [word], phrases: [] } });
const first = (limit: number, offset = 0): PageRequest => ({ limit, offset, cursor: null });

/** 30 "kestrel" events (every third by bob), 8 "heron" events and 12 others, interleaved in time. */
async function seed(): Promise<TestOrg> {
  const org = await createOrg('free-text-count', { shard: 'SHARD_1' });
  const items = Array.from({ length: 50 }, (_, index) => {
    const message =
      index % 5 === 4 && index < 40 ? `heron ${index}` : index < 45 && index % 5 !== 4 ? `kestrel sighted ${index}` : `quiet ${index}`;
    const actor = { type: 'user' as const, id: index % 3 === 0 ? 'bob@example.com' : 'alice@example.com', ip: '203.0.113.7' };
    return makeEvent(index, { details: { message }, actor });
  });
  await json(await call(`/api/v1/organizations/${org.orgId}/audit-logs`, { method: 'POST', token: org.ownerKey, body: { items } }), 201);
  return org;
}

/** Every page after the first by cursor: ids in order, and each page's count. */
async function walk(org: TestOrg, filters: ResolvedFilters, limits: QueryLimits): Promise<{ ids: string[]; pages: AuditLogPage[] }> {
  const db = await eventsDatabase(org.orgId);
  const pages: AuditLogPage[] = [];
  let cursor: string | null = null;
  do {
    const page: AuditLogPage = await queryAuditLogs(
      db,
      org.orgId,
      filters,
      { limit: 4, offset: 0, cursor: cursor ? decodeCursor(cursor) : null },
      limits,
    );
    pages.push(page);
    cursor = page.nextCursor;
  } while (cursor);
  return { ids: pages.flatMap((page) => page.items.map((item) => item.id)), pages };
}

describe('free text on a common word: bounded count, same pages', () => {
  it('counts up to the limit and says so, while every page is the exact one', async () => {
    const org = await seed();
    const db = await eventsDatabase(org.orgId);
    const reference = await queryAuditLogs(db, org.orgId, text('kestrel'), first(1000), EXACT);
    expect(reference).toMatchObject({ totalCount: 36, totalCountExact: true });
    const ids = reference.items.map((item) => item.id);

    for (const limits of [COMMON, DEEP]) {
      const page = await queryAuditLogs(db, org.orgId, text('kestrel'), first(5), limits);
      expect(page.totalCount).toBe(10);
      expect(page.totalCountExact).toBe(false);
      expect(page.items.map((item) => item.id)).toEqual(ids.slice(0, 5));
      // By cursor: every match once, in order, each page with the same bounded count.
      const walked = await walk(org, text('kestrel'), limits);
      expect(walked.ids).toEqual(ids);
      for (const each of walked.pages) expect(each).toMatchObject({ totalCount: 10, totalCountExact: false });
      // An offset deeper than the count limit: the page is right, the count reaches its end.
      const deep = await queryAuditLogs(db, org.orgId, text('kestrel'), first(5, 12), limits);
      expect(deep.items.map((item) => item.id)).toEqual(ids.slice(12, 17));
      expect(deep).toMatchObject({ totalCount: 17, totalCountExact: false });
      // Past the end: nothing, and the count is exact again.
      const past = await queryAuditLogs(db, org.orgId, text('kestrel'), first(5, 40), limits);
      expect(past).toMatchObject({ items: [], totalCount: 36, totalCountExact: true, nextCursor: null });
    }
  });

  it('stays exact below the limit, and with other filters', async () => {
    const org = await seed();
    const db = await eventsDatabase(org.orgId);
    // 8 herons: more than ftsFirstLimit (the common-word plan), fewer than the count limit.
    const herons = await queryAuditLogs(db, org.orgId, text('heron'), first(50), COMMON);
    expect(herons).toMatchObject({ totalCount: 8, totalCountExact: true });
    expect(herons.items.every((item) => item.details.message?.startsWith('heron'))).toBe(true);
    const bob: ResolvedFilters = { ...text('kestrel'), actorIds: ['bob@example.com'] };
    const exact = await queryAuditLogs(db, org.orgId, bob, first(1000), EXACT);
    expect(exact.totalCount).toBe(12);
    for (const limits of [COMMON, DEEP]) {
      const page = await queryAuditLogs(db, org.orgId, bob, first(5), limits);
      expect(page).toMatchObject({ totalCount: 10, totalCountExact: false });
      expect(page.items.map((item) => item.id)).toEqual(exact.items.slice(0, 5).map((item) => item.id));
      // A page that reaches past every match has counted them all.
      expect(await queryAuditLogs(db, org.orgId, bob, first(1000), limits)).toMatchObject({ totalCount: 12, totalCountExact: true });
      expect((await walk(org, bob, limits)).ids).toEqual(exact.items.map((item) => item.id));
    }
  });

  it('answers with totalCountExact over HTTP, and reads no other organization', async () => {
    const org = await seed();
    const other = await seed();
    const body = await json<AuditLogPage>(
      await call(`/api/v1/organizations/${org.orgId}/audit-logs?filters.q=kestrel&filters.limit=2`, { token: org.ownerKey }),
      200,
    );
    expect(body).toMatchObject({ totalCount: 36, totalCountExact: true });
    const page = await queryAuditLogs(await eventsDatabase(org.orgId), org.orgId, text('kestrel'), first(1000), COMMON);
    const otherPage = await queryAuditLogs(await eventsDatabase(other.orgId), other.orgId, text('kestrel'), first(1000), EXACT);
    expect(otherPage.totalCount).toBe(36);
    expect(page.items.length).toBe(36);
    expect(page.items.every((item) => item.organizationId === org.orgId)).toBe(true);
  });

  it('reads the common-word page from an index range, never a scan of audit_events', async () => {
    const db = database(env.SHARD_1);
    const query = pageQuery(db, 'org_x', { ...text('kestrel'), actorIds: ['bob'] }, first(50), {
      ftsFirst: false,
      recent: { rows: 50_000, before: { timestamp: 1_750_000_000_000, position: 4711 } },
    });
    const { sql, params } = query.toSQL();
    const steps = (
      await env.SHARD_1.prepare(`EXPLAIN QUERY PLAN ${sql}`)
        .bind(...params)
        .all<{ detail: string }>()
    ).results.map((row) => row.detail);
    expect(steps.some((step) => /\bSCAN audit_events\b/.test(step))).toBe(false);
    expect(steps.join(' | ')).toMatch(/SEARCH audit_events USING (COVERING )?INDEX audit_events_actor_time/);
  });
});
