import { describe, expect, it } from 'vitest';
import type { LogStream, LogStreamDelivery, StreamType } from '../worker/contract/log-streams.ts';
import { STREAM_ATTEMPT_TIMEOUT_MS } from '../worker/streams/delivery-policy.ts';
import { call, createOrg, json, type TestOrg, unique } from './helpers/api.ts';
import { createStream, streamBodies, streamsPath } from './helpers/log-streams.ts';
import { eventsD1 } from './helpers/shards.ts';
import {
  acceptedSequences,
  checkDelivery,
  listBucket,
  objectSequences,
  type Receivers,
  type S3Summary,
  setOutage,
} from './helpers/stream-receivers.ts';
import { eventually, hook, ingest } from './helpers/webhooks.ts';

/**
 * P16's end-to-end acceptance (docs/STREAMS.md, "How the tests check it"): one organization, one
 * active native stream of each type aimed at the real local receivers, 100,000 events through the
 * public ingest API, every destination down (503, in its own words) while the middle 30,000 are
 * ingested. Then each destination must have received, after dedup by sequence, exactly the
 * organization's events after its stream's starting checkpoint, first arrivals in ascending order.
 */
const TOTAL = 100_000;
const PER_REQUEST = 1000;
const OUTAGE_FROM = 30_000;
const OUTAGE_TO = 60_000;
/** What each destination says when busy, as the stream's delivery history records it. */
const BUSY: Record<StreamType, string> = {
  https: 'status 503',
  splunk_hec: 'Server is busy',
  datadog: 'Service Unavailable',
  s3: 'SlowDown',
};
const TYPES: readonly StreamType[] = ['https', 'splunk_hec', 'datadog', 's3'];

/** Ascending timestamps 10 ms apart, ending well in the past (an S3 key's hour is the first event's). */
function item(index: number, base: number) {
  return {
    timestamp: new Date(base + index * 10).toISOString(),
    action: 'update',
    actor: { type: 'user', id: 'alice@example.com', ip: '203.0.113.7' },
    object: { type: 'argocd_application', id: { name: `app-${index % 97}`, kind: 'Application', group: 'argoproj.io' } },
    details: { message: `Synced revision ${index.toString(16).padStart(7, '0')}`, actionType: 'sync' },
  };
}

/** Ingests items [from, to) in requests of PER_REQUEST; answers how long it took. */
async function ingestRange(org: TestOrg, from: number, to: number, base: number): Promise<number> {
  const started = Date.now();
  for (let start = from; start < to; start += PER_REQUEST) {
    const items = Array.from({ length: Math.min(PER_REQUEST, to - start) }, (_, offset) => item(start + offset, base));
    expect(await ingest(org, items)).toHaveLength(items.length);
  }
  return Date.now() - started;
}

const readStream = async (org: TestOrg, id: string) =>
  (await json<{ stream: LogStream }>(await call(`${streamsPath(org)}/${id}`, { token: org.ownerKey }), 200)).stream;

/** Polls the stream (GET …/audit-log-streams/{id}) until `ready` holds. */
const until = (org: TestOrg, id: string, ready: (stream: LogStream) => boolean) =>
  eventually(
    async () => {
      const stream = await readStream(org, id);
      return ready(stream) ? stream : undefined;
    },
    240_000,
    `stream ${id}: ${ready.toString()}`,
  );

/** Polls the stream's delivery history until its latest two requests are batches the destination refused as busy. */
const refusedTwice = (org: TestOrg, id: string, busy: string) =>
  eventually(
    async () => {
      const page = await json<{ deliveries: LogStreamDelivery[] }>(
        await call(`${streamsPath(org)}/${id}/deliveries?limit=2`, { token: org.ownerKey }),
        200,
      );
      const refused = page.deliveries.filter(
        (item) => item.kind === 'batch' && !item.ok && item.status === 503 && item.body.includes(busy),
      );
      return refused.length === 2 ? refused : undefined;
    },
    240_000,
    `stream ${id} refused twice`,
  );

/** Wall time of the stream's batch requests (the delivery history's `ms`; includes waiting for workerd's one thread). */
async function sendTimes(org: TestOrg, id: string) {
  const all: LogStreamDelivery[] = [];
  for (let offset = 0; ; offset += 100) {
    const page = await json<{ deliveries: LogStreamDelivery[]; totalCount: number }>(
      await call(`${streamsPath(org)}/${id}/deliveries?limit=100&offset=${offset}`, { token: org.ownerKey }),
      200,
    );
    all.push(...page.deliveries);
    if (offset + 100 >= page.totalCount) break;
  }
  const batches = all.filter((item) => item.kind === 'batch');
  const slowest = batches.reduce((max, item) => (item.ms > max.ms ? item : max));
  return {
    sendSeconds: Math.round(batches.reduce((sum, item) => sum + item.ms, 0) / 100) / 10,
    slowest: { ms: slowest.ms, status: slowest.status, firstSequence: slowest.firstSequence, at: slowest.startTime },
  };
}

/** The organization's stored events after `after`, ascending: what every stream must deliver. */
async function storedAfter(organizationId: string, after: number): Promise<Array<{ sequence: number; timestamp: string }>> {
  const rows = await (await eventsD1(organizationId))
    .prepare('SELECT sequence, timestamp FROM audit_events_by_organization WHERE organization_id = ? AND sequence > ? ORDER BY sequence')
    .bind(organizationId, after)
    .all<{ sequence: number; timestamp: string }>();
  return rows.results;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** Checks each s3 object: its key names the organization, the hour of its first event and the range inside. */
function checkS3Keys(summary: S3Summary, prefix: string, organizationId: string, timestamps: Map<number, string>): void {
  const pattern = new RegExp(`^${prefix}/${organizationId}/(\\d{4})/(\\d{2})/(\\d{2})/(\\d{2})/(\\d+)-(\\d+)\\.ndjson\\.gz$`);
  for (const object of summary.accepted) {
    const match = pattern.exec(object.key);
    expect(match, object.key).not.toBeNull();
    const [, year, month, day, hour, first, last] = match ?? [];
    expect([Number(first), Number(last)], object.key).toEqual([object.sequences[0], object.sequences.at(-1)]);
    expect(object.sequences, object.key).toEqual([...object.sequences].sort((a, b) => a - b));
    const firstTime = timestamps.get(object.sequences[0] ?? 0) ?? '';
    expect(`${year}-${month}-${day}T${hour}`, object.key).toBe(new Date(firstTime).toISOString().slice(0, 13));
  }
}

describe('log streams, end to end', () => {
  it('the exactly-once check catches a gap, a reordering, a stranger and a foreign event, and counts redeliveries', () => {
    const batch = (sequences: number[], foreign = 0) => ({ at: 0, sequences, foreign });
    const clean = checkDelivery({ accepted: [batch([1, 2, 3]), batch([2, 3, 4])], refused: 0 }, [1, 2, 3, 4]);
    expect(clean).toEqual({ received: 6, duplicates: 2, foreign: 0, missing: [], unexpected: [], firstMismatch: -1 });
    expect(checkDelivery({ accepted: [batch([1, 3, 4])], refused: 0 }, [1, 2, 3, 4])).toMatchObject({ missing: [2], firstMismatch: 1 });
    expect(checkDelivery({ accepted: [batch([1, 3]), batch([2, 4])], refused: 0 }, [1, 2, 3, 4])).toMatchObject({
      missing: [],
      firstMismatch: 1,
    });
    expect(checkDelivery({ accepted: [batch([1, 2, 3, 4, 9], 1)], refused: 0 }, [1, 2, 3, 4])).toMatchObject({
      foreign: 1,
      unexpected: [9],
      firstMismatch: 4,
    });
  });

  it('delivers 100,000 events to each destination type exactly once after dedup, in order, through an outage', {
    timeout: 480_000,
  }, async () => {
    const org = await createOrg('stream-100k');
    const prefix = `e2e/${unique('run')}`;
    const receivers: Receivers = { https: await hook(), organizationId: org.orgId, s3Prefix: prefix };
    const bodies = streamBodies(receivers.https);
    const streams = new Map<StreamType, LogStream>();
    for (const type of TYPES) {
      const body = { ...bodies[type], name: unique(type), active: true, ...(type === 's3' ? { prefix } : {}) };
      streams.set(type, await createStream(org, body));
    }
    const idOf = (type: StreamType) => streams.get(type)?.id ?? '';
    const startOf = (type: StreamType) => streams.get(type)?.deliveredThroughSequence ?? 0;
    const base = Date.now() - 40 * 60_000;
    const times: Record<string, number> = {};

    times.ingest = await ingestRange(org, 0, OUTAGE_FROM, base);
    // Down while delivering: each stream has sent part of the first 30,000 (and is likely mid-run).
    const before = await Promise.all(
      TYPES.map((type) => until(org, idOf(type), (now) => now.deliveredThroughSequence >= startOf(type) + 10_000)),
    );
    await Promise.all(TYPES.map((type) => setOutage(receivers, type, true)));
    const outageStarted = Date.now();
    times.ingest += await ingestRange(org, OUTAGE_FROM, OUTAGE_TO, base);
    // Each stream meets the outage: state error, failing since it began, its checkpoint held.
    const failing = await Promise.all(TYPES.map((type) => until(org, idOf(type), (now) => now.state === 'error')));
    for (const [index, stream] of failing.entries()) {
      expect(stream.failingSince, stream.type).not.toBeNull();
      // A refused request may have left before the switch (the receiver decides after reading its body), never longer than a try lasts.
      expect(Date.parse(stream.failingSince ?? ''), stream.type).toBeGreaterThanOrEqual(outageStarted - STREAM_ATTEMPT_TIMEOUT_MS);
      expect(stream.deliveredThroughSequence, stream.type).toBeGreaterThanOrEqual(before[index]?.deliveredThroughSequence ?? 0);
      expect(stream.lagEvents, stream.type).toBeGreaterThan(0);
    }
    // Down until each stream has been refused twice in a row (a retry, 1 s or more later, refused too).
    await Promise.all(TYPES.map((type) => refusedTwice(org, idOf(type), BUSY[type])));
    // The checkpoint held while every try was refused.
    const held = await Promise.all(TYPES.map((type) => readStream(org, idOf(type))));
    expect(held.map((stream) => [stream.state, stream.deliveredThroughSequence])).toEqual(
      failing.map((stream) => ['error', stream.deliveredThroughSequence]),
    );
    await Promise.all(TYPES.map((type) => setOutage(receivers, type, false)));
    const outageEnded = Date.now();
    times.outage = outageEnded - outageStarted;
    times.ingest += await ingestRange(org, OUTAGE_TO, TOTAL, base);
    const ingestEnded = Date.now();

    // Caught up: every stream's checkpoint at the organization's last sequence, healthy again.
    const caughtUp = new Map<StreamType, LogStream>();
    await Promise.all(
      TYPES.map(async (type) => {
        const stream = await until(org, idOf(type), (now) => now.lagEvents === 0 && now.state === 'active');
        times[`catchUp.${type}`] = Date.now() - ingestEnded;
        times[`sinceOutage.${type}`] = Date.now() - outageEnded;
        caughtUp.set(type, stream);
      }),
    );

    const stored = await storedAfter(org.orgId, Math.min(...TYPES.map(startOf)));
    const last = stored.at(-1)?.sequence ?? 0;
    const timestamps = new Map(stored.map((row) => [row.sequence, row.timestamp]));
    const report: Record<string, unknown> = {};
    for (const type of TYPES) {
      const stream = caughtUp.get(type);
      expect(stream?.deliveredThroughSequence, type).toBe(last);
      expect(stream?.failingSince, type).toBeNull();
      const expected = stored.filter((row) => row.sequence > startOf(type)).map((row) => row.sequence);
      expect(expected.length).toBeGreaterThanOrEqual(TOTAL);
      const summary = await acceptedSequences(receivers, type);
      const check = checkDelivery(summary, expected);
      expect({ type, ...check, received: 0, duplicates: 0 }).toEqual({
        type,
        received: 0,
        duplicates: 0,
        foreign: 0,
        missing: [],
        unexpected: [],
        firstMismatch: -1,
      });
      expect(summary.refused, `${type}: requests refused by the outage`).toBeGreaterThanOrEqual(2);
      report[type] = {
        requests: summary.accepted.length,
        refused: summary.refused,
        events: expected.length,
        duplicates: check.duplicates,
        ...(await sendTimes(org, idOf(type))),
      };
      if (type === 's3') {
        const s3 = summary as S3Summary;
        checkS3Keys(s3, prefix, org.orgId, timestamps);
        const listed = await listBucket(`${prefix}/`);
        expect(new Set(listed)).toEqual(new Set(s3.accepted.map((object) => object.key)));
        const lastObject = s3.accepted.at(-1);
        expect(await objectSequences(lastObject?.key ?? '')).toEqual(lastObject?.sequences);
      }
    }
    const timing = Object.fromEntries(Object.entries(times).map(([name, ms]) => [name, seconds(ms)]));
    const phases = Object.fromEntries(
      Object.entries({ outageStarted, outageEnded, ingestEnded }).map(([name, at]) => [name, new Date(at).toISOString()]),
    );
    console.log(JSON.stringify({ test: 'log-stream-100k', events: TOTAL, last, timing, phases, report }));
  });
});
