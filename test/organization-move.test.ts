import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../worker/contract/index.ts';
import { ADMIN, call, createOrg, expectProblem, json, type TestOrg } from './helpers/api.ts';
import { readWholeStream } from './helpers/checkpoints.ts';
import { cleanUpNow, moveDeps, movePath, postMove, readMove, seedEvents, settledMove } from './helpers/moves.ts';
import { DATABASES } from './helpers/shards.ts';

const other = (shard: string) => (shard === 'SHARD_1' ? 'SHARD_2' : 'SHARD_1');

/** The organization's rows in one database: events (sequence order) and what is kept beside them. */
async function rowsIn(shard: string, organizationId: string) {
  const db = DATABASES[shard] as D1Database;
  const events = await db
    .prepare('SELECT sequence, id, hex(content_hash) AS hash FROM audit_events_by_organization WHERE organization_id = ? ORDER BY sequence')
    .bind(organizationId)
    .all<{ sequence: number; id: string; hash: string }>();
  const weeks = await db.prepare('SELECT sum(event_count) AS n FROM event_weeks WHERE organization_id = ?').bind(organizationId).first<{ n: number | null }>();
  return { events: events.results, weekCount: weeks?.n ?? 0 };
}

const shardOf = async (organizationId: string) =>
  (await env.DB.prepare('SELECT shard FROM organizations WHERE id = ?').bind(organizationId).first<{ shard: string }>())?.shard;

describe('moving an organization between shards', () => {
  it('moves a small organization and back: same events, same sequences, reads and free text keep working', { timeout: 120_000 }, async () => {
    const org: TestOrg = await createOrg('move-small', { shard: 'SHARD_1' });
    await seedEvents(org, 2500);
    const before = await readWholeStream(org);
    const started = await json<{ move: { id: string; state: string; from: string; to: string } }>(await postMove(org.orgId, 'SHARD_2'), 202);
    expect(started.move).toMatchObject({ from: 'SHARD_1', to: 'SHARD_2', state: 'copying' });
    const done = await settledMove(org.orgId);
    expect(done).toMatchObject({ state: 'done', copied: before.length, total: before.length });
    expect(await shardOf(org.orgId)).toBe('SHARD_2');
    const after = await readWholeStream(org);
    expect(after.map((event: AuditEvent) => [event.id, event.contentHash])).toEqual(before.map((event) => [event.id, event.contentHash]));
    // Free text: the search index was rebuilt in the target.
    const found = await json<{ totalCount: number }>(
      await call(`/api/v1/organizations/${org.orgId}/audit-logs?filters.q=${encodeURIComponent('"app-5"')}`, { token: org.ownerKey }),
      200,
    );
    expect(found.totalCount).toBeGreaterThan(0);
    // The old rows stay until the cleanup (after the routing cache's lifetime).
    expect((await rowsIn('SHARD_1', org.orgId)).events).toHaveLength(before.length);
    await cleanUpNow(started.move.id);
    expect((await rowsIn('SHARD_1', org.orgId)).events).toHaveLength(0);
    const target = await rowsIn('SHARD_2', org.orgId);
    expect(target.weekCount).toBe(before.length);
    // And back (A → B → A).
    const back = await json<{ move: { id: string } }>(await postMove(org.orgId, 'SHARD_1'), 202);
    expect(await settledMove(org.orgId)).toMatchObject({ state: 'done', from: 'SHARD_2', to: 'SHARD_1' });
    await cleanUpNow(back.move.id);
    expect((await readWholeStream(org)).map((event) => event.id)).toEqual(before.map((event) => event.id));
    // Ingest goes on at the next sequence.
    const next = await json<{ ids: string[] }>(
      await call(`/api/v1/organizations/${org.orgId}/audit-logs`, {
        method: 'POST',
        token: org.ownerKey,
        body: { timestamp: new Date().toISOString(), action: 'create', actor: { type: 'user', id: 'a' }, object: { type: 'x', id: { name: 'y' } } },
      }),
      201,
    );
    const last = (await rowsIn('SHARD_1', org.orgId)).events.at(-1);
    expect(last?.id).toBe(next.ids[0]);
    expect(last?.sequence).toBe(Math.max(...before.map((event) => event.sequence)) + 1);
  });
});
