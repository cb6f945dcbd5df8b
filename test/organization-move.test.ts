import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../worker/contract/index.ts';
import { runMoveStep, startMove } from '../worker/services/shard-moves/index.ts';
import { ADMIN, call, createOrg, expectProblem, json, type TestOrg } from './helpers/api.ts';
import { readWholeStream } from './helpers/checkpoints.ts';
import { makeEvent } from './helpers/events.ts';
import { cleanUpNow, moveDeps, movePath, postMove, readMove, seedEvents, settledMove } from './helpers/moves.ts';
import { DATABASES } from './helpers/shards.ts';
import { ingest } from './helpers/webhooks.ts';

/** The organization's rows in one database: events (sequence order) and what is kept beside them. */
async function rowsIn(shard: string, organizationId: string) {
  const db = DATABASES[shard] as D1Database;
  const events = await db
    .prepare('SELECT sequence, id, hex(content_hash) AS hash FROM audit_events_by_organization WHERE organization_id = ? ORDER BY sequence')
    .bind(organizationId)
    .all<{ sequence: number; id: string; hash: string }>();
  const weeks = await db
    .prepare('SELECT sum(event_count) AS n FROM event_weeks WHERE organization_id = ?')
    .bind(organizationId)
    .first<{ n: number | null }>();
  return { events: events.results, weekCount: weeks?.n ?? 0 };
}

const shardOf = async (organizationId: string) =>
  (await env.DB.prepare('SELECT shard FROM organizations WHERE id = ?').bind(organizationId).first<{ shard: string }>())?.shard;

describe('moving an organization between shards', () => {
  it('moves a small organization and back: same events, same sequences, reads and free text keep working', {
    timeout: 120_000,
  }, async () => {
    const org: TestOrg = await createOrg('move-small', { shard: 'SHARD_1' });
    await seedEvents(org, 2500);
    const before = await readWholeStream(org);
    const startedAt = Date.now();
    const started = await json<{ move: { id: string; state: string; from: string; to: string } }>(
      await postMove(org.orgId, 'SHARD_2'),
      202,
    );
    expect(started.move).toMatchObject({ from: 'SHARD_1', to: 'SHARD_2', state: 'copying' });
    const done = await settledMove(org.orgId);
    expect(done).toMatchObject({ state: 'done', copied: before.length, total: before.length });
    // The switch's write pause, as the server saw it: fenced, then switched, both after the POST.
    const [fencedAt, switchedAt] = [Date.parse(done.fencedAt ?? ''), Date.parse(done.switchedAt ?? '')];
    expect(done.switchedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(fencedAt).toBeGreaterThanOrEqual(startedAt);
    expect(switchedAt).toBeGreaterThanOrEqual(fencedAt);
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
        body: {
          timestamp: new Date().toISOString(),
          action: 'create',
          actor: { type: 'user', id: 'a' },
          object: { type: 'x', id: { name: 'y' } },
        },
      }),
      201,
    );
    const last = (await rowsIn('SHARD_1', org.orgId)).events.at(-1);
    expect(last?.id).toBe(next.ids[0]);
    expect(last?.sequence).toBe(Math.max(...before.map((event) => event.sequence)) + 1);
  });

  it('refuses what it cannot do, changing nothing: callers other than the platform admin, unknown or current shards, unknown organizations', async () => {
    const org = await createOrg('move-refused', { shard: 'SHARD_1' });
    const stranger = await createOrg('move-stranger', { shard: 'SHARD_2' });
    // Before any move: 404.
    await expectProblem(await call(movePath(org.orgId), { token: ADMIN }), 404);
    for (const token of [org.ownerKey, stranger.ownerKey]) {
      await expectProblem(await postMove(org.orgId, 'SHARD_2', token), 403);
      await expectProblem(await call(movePath(org.orgId), { token }), 403);
    }
    await expectProblem(await call(movePath(org.orgId), { method: 'POST', body: { shard: 'SHARD_2' } }), 401);
    const unknown = await expectProblem(await postMove(org.orgId, 'SHARD_9'), 422);
    expect(unknown.errors?.[0]?.pointer).toBe('shard');
    await expectProblem(await postMove(org.orgId, 'shard two'), 422);
    await expectProblem(await postMove(org.orgId, 'SHARD_1'), 422);
    await expectProblem(await call(movePath(org.orgId), { method: 'POST', token: ADMIN, body: { shard: 'SHARD_2', extra: 1 } }), 422);
    await expectProblem(await postMove('org_01JDX6Q8Z3V4K2M9R7T5W1Y0AB', 'SHARD_2'), 404);
    await expectProblem(await call(movePath(org.orgId), { token: ADMIN }), 404);
    expect(await shardOf(org.orgId)).toBe('SHARD_1');
  });

  it('answers 409 to a second move while one runs (even when both race)', { timeout: 120_000 }, async () => {
    const org = await createOrg('move-race', { shard: 'SHARD_1' });
    await seedEvents(org, 500);
    const answers = await Promise.all([postMove(org.orgId, 'SHARD_2'), postMove(org.orgId, 'SHARD_2'), postMove(org.orgId, 'DB')]);
    const statuses = answers.map((answer) => answer.status).sort();
    expect(statuses).toEqual([202, 409, 409]);
    for (const answer of answers) if (answer.status === 409) await expectProblem(answer, 409);
    const move = await settledMove(org.orgId);
    expect(move.state).toBe('done');
    // Still running until the old rows are gone (the cleanup waits for the routing cache).
    await expectProblem(await postMove(org.orgId, 'SHARD_1'), 409);
    await cleanUpNow(move.id);
    expect((await postMove(org.orgId, 'SHARD_1')).status).toBe(202);
    expect(await settledMove(org.orgId)).toMatchObject({ state: 'done', to: 'SHARD_1' });
  });

  it('fails, leaving the organization where it was, when the target already holds rows of it', { timeout: 120_000 }, async () => {
    const org = await createOrg('move-conflict', { shard: 'SHARD_1' });
    await seedEvents(org, 300);
    // A stray counter of the organization in the target (a restore gone wrong, say): not the move's to remove.
    await env.SHARD_2.prepare('INSERT INTO organization_sequences (organization_id, last_sequence) VALUES (?, 7)').bind(org.orgId).run();
    expect((await postMove(org.orgId, 'SHARD_2')).status).toBe(202);
    const move = await settledMove(org.orgId);
    expect(move).toMatchObject({ state: 'failed', copied: 0 });
    expect(move.error).toContain('already holds rows');
    expect(await shardOf(org.orgId)).toBe('SHARD_1');
    const stray = await env.SHARD_2.prepare('SELECT last_sequence FROM organization_sequences WHERE organization_id = ?')
      .bind(org.orgId)
      .first();
    expect(stray).toEqual({ last_sequence: 7 });
    // Ingest is not fenced, and a new move may start (nothing to clean up).
    await ingest(org, [makeEvent(1)]);
    await env.SHARD_2.prepare('DELETE FROM organization_sequences WHERE organization_id = ?').bind(org.orgId).run();
    expect((await postMove(org.orgId, 'SHARD_2')).status).toBe(202);
    expect(await settledMove(org.orgId)).toMatchObject({ state: 'done' });
  });

  it('fails on a copy that does not verify: the organization stays, its writes go on, the copies are removed', {
    timeout: 120_000,
  }, async () => {
    const org = await createOrg('move-mismatch', { shard: 'SHARD_1' });
    await seedEvents(org, 4500);
    // Driven step by step (no Durable Object): the copy is altered between copying and verifying.
    const deps = moveDeps();
    const row = await startMove(deps.control, org.orgId, 'SHARD_2', ['DB', 'SHARD_1', 'SHARD_2'], Date.now());
    while ((await readMove(org.orgId)).state === 'copying') await runMoveStep(deps, row.id, Date.now());
    expect((await readMove(org.orgId)).state).toBe('verifying');
    await env.SHARD_2.prepare(
      "UPDATE audit_events SET action = 'tampered' WHERE org_key = (SELECT org_key FROM organization_sequences WHERE organization_id = ?) AND sequence = 3000",
    )
      .bind(org.orgId)
      .run();
    for (let step = 0; step < 100 && (await readMove(org.orgId)).state === 'verifying'; step += 1)
      await runMoveStep(deps, row.id, Date.now());
    const failed = await readMove(org.orgId);
    expect(failed).toMatchObject({ state: 'failed' });
    expect(failed.error).toBe('verification failed: the copy of sequence 3000 differs from the source');
    // It never fenced: no write pause to show.
    expect(failed.fencedAt).toBeUndefined();
    expect(failed.switchedAt).toBeUndefined();
    expect(await shardOf(org.orgId)).toBe('SHARD_1');
    await ingest(org, [makeEvent(2)]);
    // The cleanup removes what the move copied, and nothing on the source.
    while ((await runMoveStep(deps, row.id, Date.now())) !== null);
    expect((await rowsIn('SHARD_2', org.orgId)).events).toHaveLength(0);
    const counter = await env.SHARD_2.prepare('SELECT count(*) AS n FROM organization_sequences WHERE organization_id = ?')
      .bind(org.orgId)
      .first();
    expect(counter).toEqual({ n: 0 });
    expect((await rowsIn('SHARD_1', org.orgId)).events.length).toBeGreaterThan(4500);
  });

  it('a write that meets the fence is refused whole with 503 and Retry-After, and goes through once it is lifted', async () => {
    const org = await createOrg('move-fence', { shard: 'SHARD_1' });
    await ingest(org, [makeEvent(1)]);
    const stored = (await rowsIn('SHARD_1', org.orgId)).events.length;
    await env.SHARD_1.prepare('INSERT INTO organization_move_fences (organization_id, move_id, fenced_at) VALUES (?, ?, ?)')
      .bind(org.orgId, 'mov_test', Date.now())
      .run();
    const response = await call(`/api/v1/organizations/${org.orgId}/audit-logs`, {
      method: 'POST',
      token: org.ownerKey,
      body: { items: [makeEvent(2), makeEvent(3)] },
    });
    const problem = await expectProblem(response, 503);
    expect(problem.type).toBe('urn:problem:audit-logs:organization-moving');
    expect(response.headers.get('retry-after')).toBe('1');
    expect((await rowsIn('SHARD_1', org.orgId)).events).toHaveLength(stored);
    await env.SHARD_1.prepare('DELETE FROM organization_move_fences WHERE organization_id = ?').bind(org.orgId).run();
    await ingest(org, [makeEvent(2), makeEvent(3)]);
    expect((await rowsIn('SHARD_1', org.orgId)).events).toHaveLength(stored + 2);
  });
});
