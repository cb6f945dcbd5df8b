import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../worker/contract/index.ts';
import { call, createOrg, json } from './helpers/api.ts';
import { readWholeStream } from './helpers/checkpoints.ts';
import { createStream, streamBodies } from './helpers/log-streams.ts';
import { ingestUntil } from './helpers/move-clients.ts';
import { cleanUpNow, postMove, readMove, seedEvents, settledMove } from './helpers/moves.ts';
import { DATABASES } from './helpers/shards.ts';
import { acceptedSequences, checkDelivery } from './helpers/stream-receivers.ts';
import { createWebhook, eventually, hook, received } from './helpers/webhooks.ts';

const SEEDED = 100_000;
const CLIENTS = 4;

/**
 * P20's acceptance for moves (docs/OPERATIONS.md, "Moving an organization"): an organization with
 * 100,000 events moves from SHARD_1 to SHARD_2 while four clients ingest, a reader pages the
 * stream, a webhook and a log stream deliver. Every acknowledged event is stored once, the
 * sequence is 1..N without a gap, and the receivers miss nothing.
 */
describe('moving an organization with 100,000 events under ingest', () => {
  it('loses nothing, duplicates nothing, keeps sequence, reads, streams and webhooks', { timeout: 600_000 }, async () => {
    const org = await createOrg('move-100k', { shard: 'SHARD_1' });
    const seedStarted = Date.now();
    await seedEvents(org, SEEDED);
    const seedMs = Date.now() - seedStarted;
    const webhookHook = await hook();
    await createWebhook(org, { url: webhookHook.url, secret: webhookHook.secret });
    const streamHook = await hook();
    const stream = await createStream(org, { ...streamBodies(streamHook).https, active: true });
    const before = await readWholeStream(org);

    let moved = false;
    let after = 0;
    const deadline = Date.now() + 420_000;
    const clients = Array.from({ length: CLIENTS }, (_, client) =>
      ingestUntil(org, client, () => (moved && after >= CLIENTS * 3) || Date.now() > deadline),
    );
    // A reader pages the stream throughout (a page of 1000 at a time, moving on through the record):
    // every page ascending and gapless, whichever shard answers.
    const reader = (async () => {
      let pages = 0;
      while (!moved && Date.now() < deadline) {
        const after = (pages * 7919) % SEEDED;
        const page = await json<{ items: AuditEvent[] }>(
          await call(`/api/v1/organizations/${org.orgId}/audit-log-stream?afterSequence=${after}&limit=1000`, { token: org.ownerKey }),
          200,
        );
        expect(page.items.map((event) => event.sequence)).toEqual(page.items.map((_, index) => after + 1 + index));
        pages += 1;
        // Yield to timers: the stream answers without waiting on anything that would.
        await new Promise((done) => setTimeout(done, 50));
      }
      return pages;
    })();
    const progress = setInterval(() => {
      readMove(org.orgId).then((move) => console.log(JSON.stringify({ at: Date.now() - moveStarted, ...move })));
    }, 5000);
    const moveStarted = Date.now();
    expect((await postMove(org.orgId, 'SHARD_2')).status).toBe(202);
    const move = await settledMove(org.orgId, 400_000).finally(() => {
      moved = true;
    });
    const moveMs = Date.now() - moveStarted;
    clearInterval(progress);
    moved = true;
    // A few batches per client after the switch, on the new shard.
    const counting = setInterval(() => {
      after += 1;
    }, 100);
    const logs = await Promise.all(clients);
    clearInterval(counting);
    const readerPages = await reader;
    expect(move, JSON.stringify(move)).toMatchObject({ state: 'done', from: 'SHARD_1', to: 'SHARD_2' });

    // Acknowledged == stored, once each; the sequence is 1..N.
    const stored = await readWholeStream(org);
    const gaps = stored.filter((event, index) => event.sequence !== index + 1).slice(0, 5);
    expect(gaps.map((event) => event.sequence)).toEqual([]);
    const ids = stored.map((event: AuditEvent) => event.id);
    expect(new Set(ids).size).toBe(ids.length);
    const acknowledged = logs.flatMap((log) => log.acknowledged);
    const storedIds = new Set(ids);
    expect(acknowledged.filter((id) => !storedIds.has(id))).toEqual([]);
    const fromClients = ids.filter((id) => id.startsWith('client-'));
    expect(fromClients.length).toBe(acknowledged.length);
    // What was there before the move is unchanged (id, content hash), in the same order.
    expect(stored.slice(0, before.length).map((event) => [event.id, event.contentHash])).toEqual(
      before.map((event) => [event.id, event.contentHash]),
    );
    // All of it on SHARD_2, nothing left on SHARD_1 after the cleanup.
    await cleanUpNow((await readMove(org.orgId)).id);
    const left = await (DATABASES.SHARD_1 as D1Database)
      .prepare('SELECT count(*) AS n FROM audit_events_by_organization WHERE organization_id = ?')
      .bind(org.orgId)
      .first<{ n: number }>();
    expect(left?.n).toBe(0);

    // The webhook: every event after its creation, at least once.
    const webhookFrom = before.at(-1)?.sequence ?? 0;
    const wanted = stored.filter((event) => event.sequence > webhookFrom);
    const deliveredIds = await eventually(
      async () => {
        const got = new Set((await received(webhookHook.name)).map((entry) => entry.eventId));
        return wanted.every((event) => got.has(event.id)) ? got : undefined;
      },
      240_000,
      'every event on the webhook',
    );
    expect(wanted.filter((event) => !deliveredIds.has(event.id))).toEqual([]);
    // The log stream: every event after its starting checkpoint, in order after dedup.
    const streamExpected = stored.filter((event) => event.sequence > stream.deliveredThroughSequence).map((event) => event.sequence);
    const receivers = { https: streamHook, organizationId: org.orgId, s3Prefix: '' };
    const check = await eventually(
      async () => {
        const result = checkDelivery(await acceptedSequences(receivers, 'https'), streamExpected);
        return result.missing.length === 0 && result.firstMismatch < 0 ? result : undefined;
      },
      240_000,
      'every event on the log stream',
    );
    expect(check.unexpected).toEqual([]);

    const pauses = logs.map((log) => log.longestPauseMs);
    console.log(
      JSON.stringify({
        seeded: SEEDED,
        seedMs,
        moveMs,
        copied: move.copied,
        acknowledgedDuringMove: acknowledged.length,
        refused: logs.reduce((sum, log) => sum + log.refused, 0),
        longestPauseMs: Math.max(...pauses),
        serverPauseMs: Date.parse(move.switchedAt ?? '') - Date.parse(move.fencedAt ?? ''),
        readerPages,
        webhookDeliveries: deliveredIds.size,
        streamDuplicates: check.duplicates,
      }),
    );
    for (const log of logs) if (log.refused > 0) expect([...log.retryAfter]).toEqual(['1']);
  });
});
