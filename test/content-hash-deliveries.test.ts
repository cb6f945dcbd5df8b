// contentHash (docs/INTEGRITY.md) on what the service sends and archives: webhook payloads, log
// stream lines (native, and OCSF's unmapped.contentHash), and archive day files, each equal to the
// recomputed hash and to what the API returns for the same event.
import { unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { verifyArchive } from '../worker/archive/verify/index.ts';
import type { AuditEvent } from '../worker/contract/index.ts';
import type { LogStream } from '../worker/contract/log-streams.ts';
import { contentHashOf } from '../worker/events/content-hash.ts';
import { archiveKeys } from '../worker/services/archive/storage.ts';
import type { OcsfEvent } from '../worker/streams/ocsf.ts';
import { call, createOrg, json, type TestOrg } from './helpers/api.ts';
import { PUBLIC_KEY } from './helpers/archive-folders.ts';
import { archivedWeekOf, r2Bytes } from './helpers/archives.ts';
import { expectOwnHashes, hashesById, variedBatch } from './helpers/content-hash-corpus.ts';
import { createStream, streamBodies, streamsPath } from './helpers/log-streams.ts';
import { createWebhook, eventually, hook, received, receivedEvents } from './helpers/webhooks.ts';

const apiHashes = async (org: TestOrg) =>
  hashesById(
    (
      await json<{ items: AuditEvent[] }>(
        await call(`/api/v1/organizations/${org.orgId}/audit-log-stream?afterSequence=0&limit=1000`, { token: org.ownerKey }),
        200,
      )
    ).items,
  );

const ingestBatch = async (org: TestOrg) => {
  const batch = variedBatch();
  await json(await call(`/api/v1/organizations/${org.orgId}/audit-logs`, { method: 'POST', token: org.ownerKey, body: batch.body }), 201);
  return batch.ids;
};

const caughtUp = (org: TestOrg, id: string) =>
  eventually(
    async () => {
      const { stream } = await json<{ stream: LogStream }>(await call(`${streamsPath(org)}/${id}`, { token: org.ownerKey }), 200);
      return stream.lagEvents === 0 && stream.state === 'active' ? stream : undefined;
    },
    30_000,
    `stream ${id} caught up`,
  );

const lines = async (name: string): Promise<unknown[]> =>
  (await received(name)).flatMap((request) =>
    request.body
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as unknown),
  );

describe('contentHash on what is delivered and archived', () => {
  it('is in every webhook payload’s auditEvent', async () => {
    const org = await createOrg('hash-webhook');
    const receiver = await hook();
    await createWebhook(org, { url: receiver.url, secret: receiver.secret });
    const ids = await ingestBatch(org);
    const log = await receivedEvents(receiver.name, ids.length);
    const delivered = log
      .map((request) => (JSON.parse(request.body) as { auditEvent?: AuditEvent }).auditEvent)
      .filter((event): event is AuditEvent => event !== undefined && ids.includes(event.id));
    expect(new Set(delivered.map((event) => event.id))).toEqual(new Set(ids));
    expectOwnHashes(delivered);
    expect(await apiHashes(org)).toMatchObject(hashesById(delivered));
  });

  it('is in every log stream line: the native event’s field, and OCSF’s unmapped.contentHash', async () => {
    const org = await createOrg('hash-streams');
    const nativeHook = await hook();
    const ocsfHook = await hook();
    const native = await createStream(org, { ...streamBodies(nativeHook).https, active: true });
    const ocsf = await createStream(org, { ...streamBodies(ocsfHook).https, active: true, format: 'ocsf' });
    const ids = await ingestBatch(org);
    await Promise.all([caughtUp(org, native.id), caughtUp(org, ocsf.id)]);
    const api = await apiHashes(org);

    const events = (await lines(nativeHook.name)) as AuditEvent[];
    expect(events.map((event) => event.id)).toEqual(expect.arrayContaining(ids));
    expectOwnHashes(events);
    expect(api).toMatchObject(hashesById(events));

    const mapped = (await lines(ocsfHook.name)) as OcsfEvent[];
    expect(mapped.map((event) => event.metadata.uid)).toEqual(expect.arrayContaining(ids));
    for (const event of mapped) expect(event.unmapped.contentHash).toBe(api[event.metadata.uid]);
  });

  it('is on every event of an archive’s day files, equal to the API’s, and the verifier recomputes each', async () => {
    const { org, week } = await archivedWeekOf('hash-archive', 20);
    const keys = archiveKeys(org.orgId, week.startDate, 1);
    const zip = await r2Bytes(keys.zip);
    const archived = Object.values(unzipSync(zip)).flatMap((bytes) => JSON.parse(new TextDecoder().decode(bytes)) as AuditEvent[]);
    expect(archived).toHaveLength(20);
    expectOwnHashes(archived);
    expect(await apiHashes(org)).toMatchObject(hashesById(archived));

    const report = await verifyArchive({
      zip,
      manifest: await r2Bytes(keys.manifest),
      signature: await r2Bytes(keys.signature),
      publicKeyPem: PUBLIC_KEY,
    });
    expect(report.problems).toEqual([]);
    expect(report.checks.filter((check) => check.includes('every contentHash recomputed')).length).toBeGreaterThan(0);
    // And the recomputation is what would catch an altered event: the hash of a changed copy differs.
    const first = archived[0] as AuditEvent;
    expect(contentHashOf({ ...first, action: `${first.action}!` })).not.toBe(first.contentHash);
  });
});
