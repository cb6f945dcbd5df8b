// The log-stream delivery engine (docs/STREAMS.md, "Delivery"): each stream's runner sends the
// organization's events from its checkpoint, in order, in batches, against the real local receiver;
// failures keep the checkpoint, 401/403/404 park the stream until its configuration changes, a
// hanging destination holds only its own stream, and paused streams catch up when switched on.
import { describe, expect, it } from 'vitest';
import type { HookSetup } from '../scripts/lib/webhook-receiver.ts';
import type { AuditEvent } from '../worker/contract/audit-event.ts';
import type { LogStream, LogStreamDelivery } from '../worker/contract/log-streams.ts';
import { call, createInstance, createKey, createOrg, json, type TestOrg } from './helpers/api.ts';
import { makeEvent } from './helpers/events.ts';
import { createStream, streamBodies, streamsPath } from './helpers/log-streams.ts';
import { ocsfProblems } from './helpers/ocsf-validator.ts';
import { eventually, hook, ingest, type ReceivedRequest, received } from './helpers/webhooks.ts';

type Hook = Awaited<ReturnType<typeof hook>>;

const getStream = async (org: TestOrg, id: string) =>
  (await json<{ stream: LogStream }>(await call(`${streamsPath(org)}/${id}`, { token: org.ownerKey }), 200)).stream;

const deliveries = async (org: TestOrg, id: string) =>
  (
    await json<{ deliveries: LogStreamDelivery[] }>(
      await call(`${streamsPath(org)}/${id}/deliveries?limit=100`, { token: org.ownerKey }),
      200,
    )
  ).deliveries;

/** An active https stream to the hook, starting after the organization's current last event. */
const httpsStream = (org: TestOrg, receiver: Hook, extra: Record<string, unknown> = {}) =>
  createStream(org, { ...streamBodies(receiver).https, active: true, ...extra });

/** Every event line the hook received, in arrival order, with the request that carried it. */
async function receivedLines(name: string): Promise<{ event: AuditEvent; request: ReceivedRequest }[]> {
  return (await received(name)).flatMap((request) =>
    request.body
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => ({ event: JSON.parse(line) as AuditEvent, request })),
  );
}

/** Waits until the stream's checkpoint reaches the organization's last sequence (lag 0) and returns it. */
const caughtUp = (org: TestOrg, id: string, timeoutMs = 30_000) =>
  eventually(
    async () => {
      const stream = await getStream(org, id);
      return stream.lagEvents === 0 && stream.state === 'active' ? stream : undefined;
    },
    timeoutMs,
    `stream ${id} caught up`,
  );

/** Waits until the stream is in `state` and returns it. */
const inState = (org: TestOrg, id: string, state: LogStream['state']) =>
  eventually(
    async () => {
      const current = await getStream(org, id);
      return current.state === state ? current : undefined;
    },
    20_000,
    `state ${state}`,
  );

const ingestMany = async (org: TestOrg, count: number, offset = 0) => {
  for (let from = 0; from < count; from += 1000) {
    const size = Math.min(1000, count - from);
    await ingest(
      org,
      Array.from({ length: size }, (_, index) => makeEvent(offset + from + index, {}, 5)),
    );
  }
};

const setBehaviour = (receiver: Hook, behaviour: HookSetup['behaviour']) =>
  hook({ name: receiver.name, secret: receiver.secret, behaviour });

describe('log stream delivery: in order, in batches, from the checkpoint', () => {
  it('delivers every new event once, ascending, in signed NDJSON batches of at most 1,000; another organization’s events never', async () => {
    const org = await createOrg('lsd-order');
    const other = await createOrg('lsd-other');
    const receiver = await hook();
    const stream = await httpsStream(org, receiver);
    const start = stream.deliveredThroughSequence;
    await Promise.all([ingestMany(org, 2500), ingestMany(other, 300)]);
    const done = await caughtUp(org, stream.id);

    const lines = await receivedLines(receiver.name);
    const sequences = lines.map((line) => line.event.sequence);
    // Healthy destination: no retries, so every sequence exactly once and in order, none before the start.
    expect(sequences).toEqual(Array.from({ length: done.deliveredThroughSequence - start }, (_, index) => start + 1 + index));
    expect(new Set(lines.map((line) => line.event.organizationId))).toEqual(new Set([org.orgId]));
    expect(lines.filter((line) => line.event.source === 'ingest').length).toBe(2500);
    for (const request of await received(receiver.name)) {
      expect(request.signatureValid).toBe(true);
      expect(request.headers['content-type']).toBe('application/x-ndjson');
      const carried = request.body
        .split('\n')
        .filter(Boolean)
        .map((line) => (JSON.parse(line) as AuditEvent).sequence);
      expect(carried.length).toBeLessThanOrEqual(1000);
      expect(request.headers['x-audit-first-sequence']).toBe(String(carried[0]));
      expect(request.headers['x-audit-last-sequence']).toBe(String(carried.at(-1)));
      expect(request.headers['x-audit-event-count']).toBe(String(carried.length));
    }
    const history = await deliveries(org, stream.id);
    expect(history.every((item) => item.kind === 'batch' && item.ok && item.status === 200)).toBe(true);
    expect(history.reduce((sum, item) => sum + item.eventCount, 0)).toBe(sequences.length);
  });

  it('a failing destination keeps the checkpoint (state error, failingSince), then catches up from it: nothing lost, in order after dedup', async () => {
    const org = await createOrg('lsd-outage');
    const receiver = await hook({ behaviour: { kind: 'status', status: 503 } });
    const stream = await httpsStream(org, receiver);
    await ingestMany(org, 1500);
    const failing = await inState(org, stream.id, 'error');
    expect(failing.failingSince).not.toBeNull();
    expect(failing.deliveredThroughSequence).toBe(stream.deliveredThroughSequence);
    const refused = await deliveries(org, stream.id);
    expect(refused[0]).toMatchObject({ kind: 'batch', ok: false, status: 503, error: 'HTTP 503' });

    await setBehaviour(receiver, { kind: 'ok' });
    const done = await caughtUp(org, stream.id);
    expect(done.failingSince).toBeNull();
    const accepted = (await receivedLines(receiver.name)).filter((line) => line.request.answered === 200);
    const sequences = accepted.map((line) => line.event.sequence);
    expect(sequences).toEqual([...sequences].sort((a, b) => a - b));
    expect(new Set(sequences).size).toBe(sequences.length);
    expect(sequences.length).toBe(done.deliveredThroughSequence - stream.deliveredThroughSequence);
  });

  it('401 parks the stream (invalid): nothing more is sent until its configuration changes, then it delivers what waited', async () => {
    const org = await createOrg('lsd-invalid');
    const receiver = await hook({ behaviour: { kind: 'status', status: 401 } });
    const stream = await httpsStream(org, receiver);
    await ingestMany(org, 10);
    await inState(org, stream.id, 'invalid');
    const attempts = (await received(receiver.name)).length;
    expect(attempts).toBe(1);
    await ingestMany(org, 10, 10);
    await new Promise((done) => setTimeout(done, 1500));
    expect((await received(receiver.name)).length).toBe(attempts);
    expect((await getStream(org, stream.id)).state).toBe('invalid');

    await setBehaviour(receiver, { kind: 'ok' });
    const { secret: _, ...body } = streamBodies(receiver, stream.name).https;
    const put = await call(`${streamsPath(org)}/${stream.id}`, {
      method: 'PUT',
      token: org.ownerKey,
      body: { ...body, active: true, headers: { 'x-tenant': 'fixed' } },
    });
    expect((await json<{ stream: LogStream }>(put, 200)).stream.state).toBe('active');
    await caughtUp(org, stream.id);
    const delivered = (await receivedLines(receiver.name)).filter((line) => line.request.answered === 200);
    expect(delivered.filter((line) => line.event.source === 'ingest').length).toBe(20);
    expect(delivered.at(-1)?.request.headers['x-tenant']).toBe('fixed');
  });

  it('a hanging destination holds only its own stream: the other stream of the organization delivers at once', async () => {
    const org = await createOrg('lsd-hang');
    const hanging = await hook({ behaviour: { kind: 'hang', maxMs: 60_000 } });
    const fast = await hook();
    const slowStream = await httpsStream(org, hanging, { name: 'hanging' });
    const fastStream = await httpsStream(org, fast, { name: 'fast' });
    await ingestMany(org, 5);
    // The hanging request is under way before the timed part begins.
    await eventually(async () => ((await received(hanging.name)).length > 0 ? true : undefined), 10_000, 'hanging request');
    for (let round = 0; round < 3; round += 1) {
      const started = Date.now();
      await ingestMany(org, 5, 100 + round * 5);
      await caughtUp(org, fastStream.id, 8_000);
      // Far below the hanging request's 10 s timeout: the fast stream did not wait for it.
      expect(Date.now() - started).toBeLessThan(5_000);
    }
    expect((await getStream(org, slowStream.id)).lagEvents).toBeGreaterThan(0);
  });

  it('the filter narrows instance events but the checkpoint passes them; an inactive stream is paused and catches up when switched on', async () => {
    const org = await createOrg('lsd-filter');
    const kept = await createInstance(org, 'argocd');
    const dropped = await createInstance(org, 'argocd');
    const receiver = await hook();
    const paused = await hook();
    const filter = { filterArgocdInstanceNames: true, argocdInstanceNames: [kept.name] };
    const stream = await httpsStream(org, receiver, { filter });
    const pausedStream = await createStream(org, { ...streamBodies(paused).https, active: false, name: 'paused' });
    await ingest(org, [
      makeEvent(1, { instanceId: kept.id }, 2),
      makeEvent(2, { instanceId: dropped.id }, 2),
      makeEvent(3, { instanceId: null }, 2),
    ]);
    const done = await caughtUp(org, stream.id);
    const instances = (await receivedLines(receiver.name))
      .filter((line) => line.event.source === 'ingest')
      .map((line) => line.event.instanceId);
    expect(instances).toEqual([kept.id, null]);
    expect(done.lagEvents).toBe(0);

    expect(await received(paused.name)).toEqual([]);
    const { secret: _, ...body } = streamBodies(paused, 'paused').https;
    await call(`${streamsPath(org)}/${pausedStream.id}`, { method: 'PUT', token: org.ownerKey, body: { ...body, active: true } });
    await caughtUp(org, pausedStream.id);
    const resumed = (await receivedLines(paused.name)).filter((line) => line.event.source === 'ingest');
    expect(resumed.map((line) => line.event.instanceId)).toEqual([kept.id, dropped.id, null]);
  });

  it('a deleted stream stops: events after the delete are never sent', async () => {
    const org = await createOrg('lsd-delete');
    const receiver = await hook();
    const stream = await httpsStream(org, receiver);
    await ingestMany(org, 3);
    await caughtUp(org, stream.id);
    const before = (await received(receiver.name)).length;
    expect((await call(`${streamsPath(org)}/${stream.id}`, { method: 'DELETE', token: org.ownerKey })).status).toBe(204);
    await ingestMany(org, 3, 3);
    await new Promise((done) => setTimeout(done, 1500));
    expect((await received(receiver.name)).length).toBe(before);
  });

  it('format ocsf: every delivered line is a valid OCSF object carrying its sequence; a member change is Account Change', async () => {
    const org = await createOrg('lsd-ocsf');
    const receiver = await hook();
    const stream = await httpsStream(org, receiver, { format: 'ocsf' });
    await ingestMany(org, 20);
    await createKey(org, 'auditor');
    const done = await caughtUp(org, stream.id);
    const objects = (await received(receiver.name)).flatMap((request) =>
      request.body
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { class_uid: number; metadata: { sequence: number } }),
    );
    expect(objects.map((object) => object.metadata.sequence)).toEqual(
      Array.from(
        { length: done.deliveredThroughSequence - stream.deliveredThroughSequence },
        (_, index) => stream.deliveredThroughSequence + 1 + index,
      ),
    );
    for (const object of objects) expect(ocsfProblems(object)).toEqual([]);
    expect(objects.filter((object) => object.class_uid === 6003).length).toBeGreaterThanOrEqual(20);
    expect(objects.some((object) => object.class_uid === 3001)).toBe(true);
  });

  it('a redirect is never followed: its target gets nothing, the stream is in error and keeps its checkpoint', async () => {
    const org = await createOrg('lsd-redirect');
    const target = await hook();
    const receiver = await hook({ behaviour: { kind: 'status', status: 307, location: target.url } });
    const stream = await httpsStream(org, receiver);
    await ingestMany(org, 3);
    const failing = await inState(org, stream.id, 'error');
    expect(failing.deliveredThroughSequence).toBe(stream.deliveredThroughSequence);
    expect((await deliveries(org, stream.id))[0]?.error).toMatch(/^redirects are not followed/);
    expect(await received(target.name)).toEqual([]);
  });

  it('new events never cut a failing destination’s backoff short: a request a second at most while it fails, not one per write', async () => {
    const org = await createOrg('lsd-backoff');
    // Each refusal takes 400 ms, so most writes wake the stream while a run is under way.
    const receiver = await hook({ behaviour: { kind: 'slow', ms: 400, status: 503 } });
    const stream = await httpsStream(org, receiver);
    const started = Date.now();
    // A write every 100 ms for 3 s: each one wakes the stream.
    for (let index = 0; Date.now() - started < 3000; index += 1) {
      await ingestMany(org, 1, index);
      await new Promise((done) => setTimeout(done, 100));
    }
    const attempts = (await received(receiver.name)).map((request) => request.at);
    // Backoff of at least 1 s after each 400 ms refusal (docs/STREAMS.md, "Delivery"): about 3 tries
    // in 3 s; back to back, one right after another, would be ~7.
    expect(attempts.length).toBeGreaterThanOrEqual(2);
    expect(attempts.length).toBeLessThanOrEqual(4);
    for (let index = 1; index < attempts.length; index += 1)
      expect((attempts[index] ?? 0) - (attempts[index - 1] ?? 0)).toBeGreaterThanOrEqual(1300);
    expect((await getStream(org, stream.id)).state).toBe('error');
  });
});
