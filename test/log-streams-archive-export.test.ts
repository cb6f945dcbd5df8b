import { createExecutionContext, createMessageBatch, getQueueResult, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { AwsClient } from 'aws4fetch';
import { describe, expect, it } from 'vitest';
import type { LogStream, LogStreamDelivery } from '../worker/contract/log-streams.ts';
import type { ArchiveJob } from '../worker/env.ts';
import worker from '../worker/index.ts';
import { archiveKeys } from '../worker/services/archive/storage.ts';
import { copyArchiveFile } from '../worker/services/log-streams/archive-copy.ts';
import { encodeKey } from '../worker/streams/destinations/s3-key.ts';
import { call, createOrg, json, type TestOrg, unique } from './helpers/api.ts';
import { ingestAll, lastWeek, r2Bytes, sha256, weekEvents } from './helpers/archives.ts';
import { createStream, streamBodies, streamsPath } from './helpers/log-streams.ts';
import { eventsD1 } from './helpers/shards.ts';
import { S3_BUCKET, S3_KEY, S3_REGION } from './setup/stream-credentials.ts';

const client = new AwsClient({ ...S3_KEY, service: 's3', region: S3_REGION });
const objectUrl = (key: string) => `${env.S3_RECEIVER}/${S3_BUCKET}/${encodeKey(key)}`;

/** The destination's copy, read back through the Signature V4 gate (null: not there). */
async function stored(key: string): Promise<Uint8Array | null> {
  const response = await client.fetch(objectUrl(key));
  if (response.status === 404) return null;
  expect(response.status).toBe(200);
  return new Uint8Array(await response.arrayBuffer());
}

async function listed(prefix: string): Promise<string[]> {
  const listing = await (await client.fetch(`${env.S3_RECEIVER}/${S3_BUCKET}?list-type=2&prefix=${encodeURIComponent(prefix)}`)).text();
  return [...listing.matchAll(/<Key>([^<]+)<\/Key>/g)].map((match) => match[1] ?? '');
}

async function eventually<T>(what: string, probe: () => Promise<T | null>, timeoutMs = 25_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== null) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 200));
  }
}

/** An s3 stream, switched on, writing under its own prefix. */
async function s3Stream(org: TestOrg, prefix: string, exportArchives: boolean, extra: Record<string, unknown> = {}): Promise<LogStream> {
  const body = streamBodies({ url: 'https://unused.example', secret: 'unused-secret-0123' }, unique('export')).s3;
  return createStream(org, { ...body, active: true, prefix, exportArchives, ...extra });
}

/** An organization with events in last week, aged past the archive settle time, so the job builds it. */
async function orgWithClosedWeek(label: string, count = 30) {
  const org = await createOrg(label);
  const week = lastWeek();
  await ingestAll(org, weekEvents(week.startMs, count, label));
  const shard = await eventsD1(org.orgId);
  const orgKey = '(SELECT org_key FROM organization_sequences WHERE organization_id = ?)';
  await shard.prepare(`UPDATE audit_events SET received_at = received_at - 120000 WHERE org_key = ${orgKey}`).bind(org.orgId).run();
  await shard
    .prepare('UPDATE event_weeks SET last_received_at = last_received_at - 120000 WHERE organization_id = ?')
    .bind(org.orgId)
    .run();
  return { org, week };
}

/** Builds the week through the archive queue's consumer, as the daily run does. */
async function buildThroughQueue(organizationId: string, startDate: string): Promise<void> {
  const batch = createMessageBatch<ArchiveJob>('audit-log-archive-jobs', [
    { id: unique('m'), timestamp: new Date(), attempts: 1, body: { organizationId, startDate } },
  ]);
  await worker.queue(batch, env);
  expect((await getQueueResult(batch, createExecutionContext())).explicitAcks).toHaveLength(1);
}

/** The three R2 objects of revision 1 and where each lands under the stream's prefix. */
function revisionFiles(prefix: string, organizationId: string, startDate: string) {
  const keys = archiveKeys(organizationId, startDate, 1);
  return [keys.zip, keys.manifest, keys.signature].map((r2Key) => ({
    r2Key,
    destination: `${prefix}/${organizationId}/archives/${startDate}/${r2Key.slice(r2Key.lastIndexOf('/') + 1)}`,
  }));
}

/**
 * Waits for the destination's copy to equal R2's object. s3rver writes an object's file in place,
 * so a read racing the PUT can see it short: only a complete, identical copy counts.
 */
async function arrivesIdentical(file: { r2Key: string; destination: string }): Promise<void> {
  const original = await sha256(await r2Bytes(file.r2Key));
  let last = 'nothing';
  try {
    await eventually(file.destination, async () => {
      const copy = await stored(file.destination);
      last = copy ? await sha256(copy) : 'nothing';
      return last === original ? true : null;
    });
  } catch (error) {
    throw new Error(`${String(error)}: last read ${last}, R2 holds ${original}`);
  }
}

async function archiveDeliveries(org: TestOrg, streamId: string): Promise<LogStreamDelivery[]> {
  const { deliveries } = await json<{ deliveries: LogStreamDelivery[] }>(
    await call(`${streamsPath(org)}/${streamId}/deliveries?limit=100`, { token: org.ownerKey }),
    200,
  );
  return deliveries.filter((delivery) => delivery.kind === 'archive');
}

describe('archive export (exportArchives)', () => {
  it('copies the ZIP, manifest and signature byte for byte to the streams that ask, and to no other', async () => {
    const { org, week } = await orgWithClosedWeek('export');
    const other = await createOrg('export-other');
    const [prefix, noPrefix, otherPrefix] = ['yes', 'no', 'other'].map((label) => `exports/${unique(label)}`) as [string, string, string];
    const [yes, no, elsewhere] = await Promise.all([
      s3Stream(org, prefix, true),
      s3Stream(org, noPrefix, false),
      s3Stream(other, otherPrefix, true),
    ]);
    await buildThroughQueue(org.orgId, week.startDate);

    const files = revisionFiles(prefix, org.orgId, week.startDate);
    for (const file of files) {
      await arrivesIdentical(file);
    }
    expect(files.map((file) => file.destination.split('/').pop())).toEqual([
      `${week.startDate}.zip`,
      `${week.startDate}.manifest.json`,
      `${week.startDate}.sig`,
    ]);
    const history = await eventually('three archive rows', async () => {
      const rows = await archiveDeliveries(org, yes.id);
      return rows.length >= 3 ? rows : null;
    });
    expect(history.map((row) => [row.ok, row.status, row.error])).toEqual([
      [true, 200, ''],
      [true, 200, ''],
      [true, 200, ''],
    ]);
    const sizes = await Promise.all(files.map(async (file) => (await r2Bytes(file.r2Key)).byteLength));
    expect(history.map((row) => row.bytes).sort()).toEqual([...sizes].sort());
    expect(history.map((row) => row.eventCount).sort()).toEqual([0, 0, 30]);

    // The stream without exportArchives, and the other organization's stream, got no archive and recorded none.
    // (Both deliver events of their own organization as batches; only archives are looked for.)
    expect(await listed(`${noPrefix}/${org.orgId}/archives/`)).toEqual([]);
    expect((await listed(`${otherPrefix}/`)).filter((key) => key.includes('/archives/'))).toEqual([]);
    expect(await archiveDeliveries(org, no.id)).toEqual([]);
    expect(await archiveDeliveries(other, elsewhere.id)).toEqual([]);
  });

  it('keeps the copy while the destination is down and delivers it once it is back', async () => {
    const { org, week } = await orgWithClosedWeek('export-down');
    const prefix = `exports/${unique('down')}`;
    const stream = await s3Stream(org, prefix, true);
    const outage = `${env.S3_RECEIVER}/_control/outage?path=${encodeURIComponent(`/${S3_BUCKET}/${prefix}/`)}`;
    await fetch(outage, { method: 'PUT' });
    try {
      await buildThroughQueue(org.orgId, week.startDate);
      // The build is done and recorded while every copy is refused: it never waited on the destination.
      const refused = await eventually('two refused copies', async () => {
        const rows = await archiveDeliveries(org, stream.id);
        return rows.length >= 2 ? rows : null;
      });
      expect(refused.every((row) => !row.ok && row.status === 503 && row.error.includes(`${week.startDate}.zip: HTTP 503`))).toBe(true);
      expect(await listed(`${prefix}/${org.orgId}/archives/`)).toEqual([]);
    } finally {
      await fetch(outage, { method: 'DELETE' });
    }
    for (const file of revisionFiles(prefix, org.orgId, week.startDate)) {
      await arrivesIdentical(file);
    }
    const rows = await archiveDeliveries(org, stream.id);
    expect(rows.filter((row) => row.ok)).toHaveLength(3);
  });

  it('drops what it had pending when exportArchives is switched off', async () => {
    const { org, week } = await orgWithClosedWeek('export-off');
    const prefix = `exports/${unique('off')}`;
    const stream = await s3Stream(org, prefix, true);
    const outage = `${env.S3_RECEIVER}/_control/outage?path=${encodeURIComponent(`/${S3_BUCKET}/${prefix}/`)}`;
    const runner = env.LOG_STREAM_RUNNER.get(env.LOG_STREAM_RUNNER.idFromName(stream.id));
    const pending = () => runInDurableObject(runner, async (_, state) => (await state.storage.list({ prefix: 'archive-export:' })).size);
    await fetch(outage, { method: 'PUT' });
    try {
      await buildThroughQueue(org.orgId, week.startDate);
      expect(await pending()).toBe(1);
      const body = streamBodies({ url: 'https://unused.example', secret: 'unused-secret-0123' }, stream.name).s3;
      await json(
        await call(`${streamsPath(org)}/${stream.id}`, {
          method: 'PUT',
          token: org.ownerKey,
          body: { ...body, active: true, prefix, exportArchives: false },
        }),
        200,
      );
      await eventually('the pending copy to be dropped', async () => ((await pending()) === 0 ? true : null));
    } finally {
      await fetch(outage, { method: 'DELETE' });
    }
    // Back up, the stream delivers its events again (its PUT was one), but no archive.
    await eventually('an event batch after the outage', async () => ((await listed(`${prefix}/${org.orgId}/`)).length > 0 ? true : null));
    expect(await listed(`${prefix}/${org.orgId}/archives/`)).toEqual([]);
  });

  it('holds the copy of an invalid stream (refused credentials) until its configuration changes', async () => {
    const { org, week } = await orgWithClosedWeek('export-invalid');
    const prefix = `exports/${unique('invalid')}`;
    const stream = await s3Stream(org, prefix, true, { secretAccessKey: 'wrong-secret-access-key-000000000000000' });
    await buildThroughQueue(org.orgId, week.startDate);
    await eventually('the stream to be invalid', async () => {
      const { stream: now } = await json<{ stream: LogStream }>(
        await call(`${streamsPath(org)}/${stream.id}`, { token: org.ownerKey }),
        200,
      );
      return now.state === 'invalid' ? now : null;
    });
    expect(await listed(`${prefix}/${org.orgId}/archives/`)).toEqual([]);
    const body = streamBodies({ url: 'https://unused.example', secret: 'unused-secret-0123' }, stream.name).s3;
    await json(
      await call(`${streamsPath(org)}/${stream.id}`, {
        method: 'PUT',
        token: org.ownerKey,
        body: { ...body, active: true, prefix, exportArchives: true },
      }),
      200,
    );
    for (const file of revisionFiles(prefix, org.orgId, week.startDate)) {
      await arrivesIdentical(file);
    }
  });

  it('streams a file larger than a part from R2 to the bucket, hashed on the way, refused when the signature is wrong', async () => {
    const key = `test/${unique('large')}.zip`;
    const bytes = new Uint8Array(9 * 1024 * 1024);
    for (let offset = 0; offset < bytes.length; offset += 65_536) crypto.getRandomValues(bytes.subarray(offset, offset + 65_536));
    await env.ARCHIVES.put(key, bytes);
    const settings = {
      endpoint: env.S3_RECEIVER,
      region: S3_REGION,
      bucket: S3_BUCKET,
      prefix: `exports/${unique('large')}`,
      accessKeyId: S3_KEY.accessKeyId,
      secretAccessKey: S3_KEY.secretAccessKey,
    };
    const target = { organizationId: 'org_large', startDate: '2026-11-23', file: 'large.zip', key };
    const copied = await copyArchiveFile(env.ARCHIVES, settings, target, true);
    expect(copied).toMatchObject({ missing: false, bytes: bytes.byteLength, outcome: { ok: true, status: 200 } });
    const copy = await stored(`${settings.prefix}/org_large/archives/2026-11-23/large.zip`);
    expect(await sha256(copy ?? new Uint8Array())).toBe(await sha256(bytes));
    const wrong = await copyArchiveFile(env.ARCHIVES, { ...settings, secretAccessKey: 'wrong' }, target, true);
    expect(wrong).toMatchObject({ missing: false, outcome: { ok: false, status: 403 } });
    expect(await copyArchiveFile(env.ARCHIVES, settings, { ...target, key: `${key}.gone` }, true)).toEqual({ missing: true });
  });
});
