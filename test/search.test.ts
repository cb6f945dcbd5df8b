import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { database } from '../worker/db/client.ts';
import { searchMatch } from '../worker/events/search-text.ts';
import { backfillSearch } from '../worker/services/event-store/search-backfill.ts';
import { call, createOrg, json, type TestOrg } from './helpers/api.ts';
import { makeEvent } from './helpers/events.ts';
import { eventsD1 } from './helpers/shards.ts';

async function ingestMessages(org: TestOrg, messages: string[]): Promise<void> {
  const items = messages.map((message, index) => makeEvent(index, { details: { message } }));
  await json(await call(`/api/v1/organizations/${org.orgId}/audit-logs`, { method: 'POST', token: org.ownerKey, body: { items } }), 201);
}

/** Rows of the search index a query expression reads (their rowids, ascending): the cost a free-text query can cause. */
async function indexMatches(shard: D1Database, match: string | null): Promise<number[]> {
  const rows = await shard
    .prepare('SELECT rowid AS id FROM audit_events_search WHERE audit_events_search MATCH ? ORDER BY rowid')
    .bind(match ?? '')
    .all<{ id: number }>();
  return rows.results.map((row) => row.id);
}

/** The columns free text covers (events/event-shape.ts, searchableFields). */
const SEARCHABLE = [
  'action',
  'actor_id',
  'object_type',
  'object_name',
  'parent_name',
  'parent_parent_name',
  'parent_application_name',
  'object_namespace',
  'parent_kargo_project_name',
  'details_message',
  'details_patch',
];

/**
 * An organization's own events (rowids, ascending) with a word that starts with `prefix`, read
 * from audit_events and split here: exactly what its index query may read, whatever else the
 * organization's own events say (its "Created owner API key alk_…" event carries random letters).
 */
async function ownRowsWithPrefix(shard: D1Database, org: TestOrg, prefix: string): Promise<number[]> {
  const rows = await shard
    .prepare(
      `SELECT event.rowid AS id, ${SEARCHABLE.map((column) => `event.${column}`).join(', ')} FROM audit_events AS event
        JOIN organization_sequences AS organization ON organization.org_key = event.org_key
        WHERE organization.organization_id = ? ORDER BY event.rowid`,
    )
    .bind(org.orgId)
    .all<Record<string, string | number | null>>();
  return rows.results
    .filter((row) =>
      SEARCHABLE.some((column) =>
        String(row[column] ?? '')
          .toLowerCase()
          .split(/[^a-z0-9]+/)
          .some((word) => word.startsWith(prefix)),
      ),
    )
    .map((row) => Number(row.id));
}

/**
 * How many of the events the test sent match `q`. `source:ingest` leaves out the organization's
 * own platform events, which carry random words: "Created owner API key alk_V1tgcahJ…" made a
 * search for `v1` find 3 events instead of 2 about once in a thousand runs.
 */
const totalCount = async (org: TestOrg, q: string) =>
  (
    await json<{ totalCount: number }>(
      await call(`/api/v1/organizations/${org.orgId}/audit-logs?filters.q=${encodeURIComponent(`source:ingest ${q}`)}`, {
        token: org.ownerKey,
      }),
      200,
    )
  ).totalCount;

describe('organization-scoped free text', () => {
  it("reads only the caller's own index entries: another tenant's matching events cost it nothing", async () => {
    // One shard for both: tenants of different shards share no index at all.
    const busy = await createOrg('search-busy', { shard: 'SHARD_1' });
    const quiet = await createOrg('search-quiet', { shard: 'SHARD_1' });
    await ingestMessages(
      busy,
      Array.from({ length: 300 }, (_, index) => `zebra crossing ${index}`),
    );
    await ingestMessages(quiet, ['zebrafish tank cleaned', 'zeppelin landed']);
    // The same words, as each organization's query sees them: the organization's own index entries
    // only. Compared with the organization's own rows, not with a fixed number: its own platform
    // events (e.g. the owner key's random display prefix, "alk_zeJ0…") may contain such a word too.
    const busyZebra = await ownRowsWithPrefix(env.SHARD_1, busy, 'zebra');
    expect(busyZebra).toHaveLength(300);
    expect(await indexMatches(env.SHARD_1, searchMatch(busy.orgId, { words: ['zebra'], phrases: [] }))).toEqual(busyZebra);
    const quietZebra = await ownRowsWithPrefix(env.SHARD_1, quiet, 'zebra');
    expect(quietZebra).toHaveLength(1);
    expect(await indexMatches(env.SHARD_1, searchMatch(quiet.orgId, { words: ['zebra'], phrases: [] }))).toEqual(quietZebra);
    // Even a one-letter-prefix-like broad query (two letters, the shortest allowed) stays inside the organization.
    const quietZe = await ownRowsWithPrefix(env.SHARD_1, quiet, 'ze');
    expect(quietZe).toEqual(expect.arrayContaining(quietZebra));
    expect(quietZe.length).toBeGreaterThanOrEqual(2);
    expect(await indexMatches(env.SHARD_1, searchMatch(quiet.orgId, { words: ['ze'], phrases: [] }))).toEqual(quietZe);
    expect(await totalCount(quiet, 'zebra')).toBe(1);
    expect(await totalCount(busy, 'zebra crossing')).toBe(300);
  });

  it('matches words with accents and case folded, and words with inner punctuation as phrases', async () => {
    const org = await createOrg('search-fold');
    await ingestMessages(org, ['Déployé v1.2.3 sur Prod', 'v1 then 2 later']);
    expect(await totalCount(org, 'deploye')).toBe(1);
    expect(await totalCount(org, 'DÉPLOYÉ')).toBe(1);
    expect(await totalCount(org, 'SUR')).toBe(1);
    expect(await totalCount(org, 'v1.2')).toBe(1);
    expect(await totalCount(org, 'v1')).toBe(2);
  });

  it('re-indexes events stored before search was organization-scoped, a bounded number per run', async () => {
    const org = await createOrg('search-legacy');
    await ingestMessages(
      org,
      Array.from({ length: 30 }, (_, index) => `legacy walrus ${index}`),
    );
    // As if these rows predated the migration: no index entries, a backfill target set.
    const shard = await eventsD1(org.orgId);
    await shard
      .prepare('DELETE FROM audit_events_search WHERE rowid IN (SELECT rowid FROM audit_events_by_organization WHERE organization_id = ?)')
      .bind(org.orgId)
      .run();
    await shard
      .prepare(
        'UPDATE organization_sequences SET search_backfill_until = last_sequence, search_backfilled_through = 0 WHERE organization_id = ?',
      )
      .bind(org.orgId)
      .run();
    expect(await totalCount(org, 'walrus')).toBe(0);
    const db = database(shard);
    const first = await backfillSearch(db, 10);
    expect(first).toEqual({ indexed: 10, organizationsLeft: 1 });
    for (let run = 0; run < 10; run += 1) if ((await backfillSearch(db, 10)).organizationsLeft === 0) break;
    expect(await totalCount(org, 'walrus')).toBe(30);
    expect((await backfillSearch(db, 10)).indexed).toBe(0);
  });
});
