import { env } from 'cloudflare:workers';
import { unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { signLink } from '../worker/archive/signed-link.ts';
import { database } from '../worker/db/client.ts';
import { chainHead, recordArchive } from '../worker/services/archive/archive-rows.ts';
import { archiveKeys } from '../worker/services/archive/storage.ts';
import { call, createKey, createOrg, expectProblem, json } from './helpers/api.ts';
import { build, ingestAll, lastWeek, r2Bytes, sha256, weekEvents } from './helpers/archives.ts';
import { makeEvent, storedEvents } from './helpers/events.ts';
import { eventsD1 } from './helpers/shards.ts';

interface ArchiveItem {
  startDate: { year: number; month: number; day: number };
  endDate: { year: number; month: number; day: number };
  presignedUrl: string;
  presignedUrlExpiration: string;
  records: number;
  bytes: number;
  sha256: string;
  revision: number;
  manifestUrl: string;
  signatureUrl: string;
}

const fetchUrl = (url: string, headers: Record<string, string> = {}) => {
  const target = new URL(url);
  return call(target.pathname + target.search, { headers });
};

describe('weekly archive', () => {
  it('builds seven day files in a ZIP whose hashes, manifest and signature all check out', async () => {
    const org = await createOrg('archive');
    const week = lastWeek();
    await ingestAll(org, weekEvents(week.startMs, 300, 'a'));
    const result = await build(org.orgId, week.startDate);
    if (!result) throw new Error('nothing built');
    expect(result.archive.revision).toBe(1);
    expect(result.archive.records).toBe(300);

    const zip = await r2Bytes(archiveKeys(org.orgId, week.startDate, 1).zip);
    expect(await sha256(zip)).toBe(result.archive.sha256);
    expect(zip.byteLength).toBe(result.archive.bytes);
    const entries = unzipSync(zip);
    expect(Object.keys(entries)).toEqual(week.days.map((day) => `${day.date}.json`));
    const decoder = new TextDecoder();
    expect(decoder.decode(entries[`${week.days[6]?.date}.json`])).toBe('[]\n');

    // The day files hold exactly what the API returns for the week, oldest first, one per line.
    const api = await json<{ items: { id: string; timestamp: string }[] }>(
      await call(
        `/api/v1/organizations/${org.orgId}/audit-logs?filters.limit=1000&filters.startTime=${new Date(week.startMs).toISOString()}&filters.endTime=${new Date(week.endMs).toISOString()}`,
        { token: org.ownerKey },
      ),
      200,
    );
    const archived = week.days.flatMap((day) => {
      const text = decoder.decode(entries[`${day.date}.json`]);
      const lines = text.split('\n');
      if (text !== '[]\n') expect(lines[0]).toBe('[');
      return JSON.parse(text) as { id: string; timestamp: string }[];
    });
    expect(archived).toEqual([...api.items].reverse());

    const manifest = await r2Bytes(archiveKeys(org.orgId, week.startDate, 1).manifest);
    const signature = await r2Bytes(archiveKeys(org.orgId, week.startDate, 1).signature);
    expect(signature.byteLength).toBe(64);
    const parsed = JSON.parse(decoder.decode(manifest)) as {
      files: { name: string; sha256: string; records: number }[];
      archive: { sha256: string };
    };
    expect(parsed.archive.sha256).toBe(result.archive.sha256);
    for (const file of parsed.files) expect(file.sha256).toBe(await sha256(entries[file.name] as Uint8Array));
    const key = await json<{ pem: string; jwk: { x: string } }>(await call('/api/v1/audit-logs-archives/public-key'), 200);
    expect(key.pem).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
    const publicKey = await crypto.subtle.importKey('jwk', { kty: 'OKP', crv: 'Ed25519', x: key.jwk.x }, { name: 'Ed25519' }, false, [
      'verify',
    ]);
    expect(
      await crypto.subtle.verify('Ed25519', publicKey, signature as Uint8Array<ArrayBuffer>, manifest as Uint8Array<ArrayBuffer>),
    ).toBe(true);
    manifest[10] = (manifest[10] ?? 0) ^ 1;
    expect(
      await crypto.subtle.verify('Ed25519', publicKey, signature as Uint8Array<ArrayBuffer>, manifest as Uint8Array<ArrayBuffer>),
    ).toBe(false);
  });

  it('lists archives with signed links that download with no other credential (Range, ETag, 403 when tampered or expired)', async () => {
    const org = await createOrg('links');
    const week = lastWeek();
    await ingestAll(org, weekEvents(week.startMs, 50, 'l'));
    const built = await build(org.orgId, week.startDate);
    const list = await json<{ archives: ArchiveItem[]; totalArchivesCount: number }>(
      await call(`/api/v1/organizations/${org.orgId}/audit-logs-archives`, { token: org.ownerKey }),
      200,
    );
    expect(list.totalArchivesCount).toBe(1);
    const [item] = list.archives;
    if (!item) throw new Error('no archive listed');
    const [y, m, d] = week.startDate.split('-').map(Number);
    expect(item.startDate).toEqual({ year: y, month: m, day: d });
    expect(item).toMatchObject({ records: 50, revision: 1, sha256: built?.archive.sha256, bytes: built?.archive.bytes });
    expect(item.presignedUrl).toMatch(/^http:\/\/localhost:8787\/api\/v1\/archive-downloads\//);
    expect(Date.parse(item.presignedUrlExpiration) - Date.now()).toBeGreaterThan(14 * 60_000);

    const download = await fetchUrl(item.presignedUrl);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe('application/zip');
    expect(download.headers.get('content-disposition')).toBe(`attachment; filename="audit-logs_${week.startDate}_${week.endDate}.zip"`);
    const etag = download.headers.get('etag');
    expect(etag).toBeTruthy();
    const bytes = new Uint8Array(await download.arrayBuffer());
    expect(await sha256(bytes)).toBe(item.sha256);

    const ranged = await fetchUrl(item.presignedUrl, { range: 'bytes=10-19' });
    expect(ranged.status).toBe(206);
    expect(ranged.headers.get('content-range')).toBe(`bytes 10-19/${bytes.byteLength}`);
    expect(new Uint8Array(await ranged.arrayBuffer())).toEqual(bytes.slice(10, 20));
    const unchanged = await fetchUrl(item.presignedUrl, { 'if-none-match': etag ?? '' });
    expect(unchanged.status).toBe(304);

    const manifest = await fetchUrl(item.manifestUrl);
    expect(manifest.headers.get('content-type')).toBe('application/json');
    expect(new Uint8Array(await manifest.arrayBuffer())).toEqual(await r2Bytes(archiveKeys(org.orgId, week.startDate, 1).manifest));
    const signature = await fetchUrl(item.signatureUrl);
    expect(signature.headers.get('content-type')).toBe('application/octet-stream');
    expect((await signature.arrayBuffer()).byteLength).toBe(64);

    const url = new URL(item.presignedUrl);
    const tampered = [
      item.presignedUrl.replace('/zip?', '/manifest?'),
      item.presignedUrl.replace(`/${week.startDate}/`, `/${lastWeekBefore(week.startDate)}/`),
      (() => {
        const copy = new URL(url);
        copy.searchParams.set('expires', String(Number(url.searchParams.get('expires')) + 3600));
        return copy.toString();
      })(),
      (() => {
        const copy = new URL(url);
        copy.searchParams.set('actorId', 'mallory@example.com');
        return copy.toString();
      })(),
      (() => {
        const copy = new URL(url);
        copy.searchParams.set('credentialId', 'key_someone_else');
        return copy.toString();
      })(),
      (() => {
        const copy = new URL(url);
        copy.searchParams.set('credentialType', 'admin_token');
        return copy.toString();
      })(),
      (() => {
        const copy = new URL(url);
        copy.searchParams.set('signature', `${url.searchParams.get('signature')?.slice(0, -2)}AA`);
        return copy.toString();
      })(),
    ];
    for (const link of tampered) await expectProblem(await fetchUrl(link), 403);
    const expired = await signLink('http://localhost:8787', env.LINK_SIGNING_SECRET, {
      organizationId: org.orgId,
      startDate: week.startDate,
      revision: 1,
      file: 'zip',
      expires: Math.floor(Date.now() / 1000) - 1,
      actorType: 'user',
      actorId: org.ownerEmail,
      credentialType: 'api_key',
      credentialId: org.ownerKeyId,
    });
    const problem = await expectProblem(await fetchUrl(expired), 403);
    expect(problem.detail).toMatch(/expired/);

    const downloads = (await storedEvents(org.orgId)).filter((event) => event.action === 'download');
    expect(downloads).toHaveLength(2); // the full download and the range; 304s send nothing
    for (const event of downloads)
      expect(event).toMatchObject({
        object_type: 'audit_log_archive',
        actor_id: org.ownerEmail,
        credential_type: 'api_key',
        credential_id: org.ownerKeyId,
      });
  });

  it('keeps archives to owners and their organization', async () => {
    const org = await createOrg('archive-owner');
    const outsider = await createOrg('archive-outsider');
    for (const key of [
      (await createKey(org, 'admin')).secret,
      (await createKey(org, 'member')).secret,
      (await createKey(org, 'ingest')).secret,
      outsider.ownerKey,
    ]) {
      await expectProblem(await call(`/api/v1/organizations/${org.orgId}/audit-logs-archives`, { token: key }), 403);
    }
    await expectProblem(
      await call(`/api/v1/organizations/${org.orgId}/audit-logs-archives?filters.startDate=2026-02-30`, { token: org.ownerKey }),
      400,
    );
  });

  it('builds nothing when nothing changed, is byte-identical on rebuild (a new revision: write-once), and makes a chained next revision for a late event', async () => {
    const org = await createOrg('revisions');
    const week = lastWeek();
    await ingestAll(org, weekEvents(week.startMs, 120, 'r'));
    // A build that stops just before recording its row leaves bytes in R2 but no archive...
    await expect(build(org.orgId, week.startDate, { failAt: 'before-row' })).rejects.toThrow(/injected/);
    const leftBytes = await r2Bytes(archiveKeys(org.orgId, week.startDate, 1).zip);
    const leftManifest = await r2Bytes(archiveKeys(org.orgId, week.startDate, 1).manifest);
    // ...which are never written over (write-once): the retry is the next revision, the same ZIP to the byte.
    const first = await build(org.orgId, week.startDate);
    expect(first?.archive.revision).toBe(2);
    const firstBytes = await r2Bytes(archiveKeys(org.orgId, week.startDate, 2).zip);
    expect(firstBytes).toEqual(leftBytes);
    expect(await r2Bytes(archiveKeys(org.orgId, week.startDate, 1).manifest)).toEqual(leftManifest);
    expect(await build(org.orgId, week.startDate)).toBeNull();

    await new Promise((resolve) => setTimeout(resolve, 5));
    await json(
      await call(`/api/v1/organizations/${org.orgId}/audit-logs`, {
        method: 'POST',
        token: org.ownerKey,
        body: makeEvent(0, { id: 'late-1', timestamp: new Date(week.startMs + 3600_000).toISOString() }),
      }),
      201,
    );
    const second = await build(org.orgId, week.startDate);
    expect(second?.archive.revision).toBe(3);
    expect(second?.archive.records).toBe(121);
    expect(second?.manifest.previousManifestSha256).toBe(first?.archive.manifestSha256);
    expect(second?.manifest.previousManifestSha256).toBe(await sha256(await r2Bytes(archiveKeys(org.orgId, week.startDate, 2).manifest)));
    // Revision 2 is immutable: its objects are untouched.
    expect(await r2Bytes(archiveKeys(org.orgId, week.startDate, 2).zip)).toEqual(firstBytes);
    const list = await json<{ archives: ArchiveItem[] }>(
      await call(`/api/v1/organizations/${org.orgId}/audit-logs-archives`, { token: org.ownerKey }),
      200,
    );
    expect(list.archives.map((item) => item.revision)).toEqual([3]);
  });

  it('leaves a week whose events are still arriving for a later run (no partial revision)', async () => {
    const org = await createOrg('settling');
    const week = lastWeek();
    await ingestAll(org, weekEvents(week.startMs, 15, 's'));
    // With the default one-minute settle time, events received a moment ago are not settled.
    expect(await build(org.orgId, week.startDate, { settleMs: undefined })).toBeNull();
    expect(await env.ARCHIVES.head(archiveKeys(org.orgId, week.startDate, 1).zip)).toBeNull();
    expect((await build(org.orgId, week.startDate))?.archive.records).toBe(15);
  });

  it('chains every manifest of an organization across weeks and refuses a forked chain', async () => {
    const org = await createOrg('chain');
    const week = lastWeek();
    const earlier = { startMs: week.startMs - 7 * 86_400_000, startDate: lastWeekBefore(week.startDate) };
    await ingestAll(org, [...weekEvents(earlier.startMs + 3 * 86_400_000, 10, 'c0'), ...weekEvents(week.startMs, 10, 'c1')]);
    const a = await build(org.orgId, earlier.startDate);
    const b = await build(org.orgId, week.startDate);
    expect(a?.manifest.previousManifestSha256).toBeNull();
    expect(b?.manifest.previousManifestSha256).toBe(a?.archive.manifestSha256);
    const shard = database(await eventsD1(org.orgId));
    expect(await chainHead(shard, org.orgId)).toBe(b?.archive.manifestSha256);
    if (!a) throw new Error('no archive');
    // A build that started before b was recorded (it still points at a) must not be recorded.
    expect(await recordArchive(shard, { ...a.archive, revision: 2, manifestSha256: 'f'.repeat(64) })).toBe(false);
  });
});

function lastWeekBefore(startDate: string): string {
  return new Date(Date.parse(`${startDate}T00:00:00Z`) - 7 * 86_400_000).toISOString().slice(0, 10);
}

describe('archives built by the Worker pass the offline verifier', () => {
  it('verifies a real archive, its signature and its chain, and fails on any flipped byte', async () => {
    const { verifyArchive, verifyChain } = await import('../worker/archive/verify/index.ts');
    const org = await createOrg('verify');
    const week = lastWeek();
    await ingestAll(org, weekEvents(week.startMs, 200, 'v'));
    const first = await build(org.orgId, week.startDate);
    await new Promise((resolve) => setTimeout(resolve, 5));
    await json(
      await call(`/api/v1/organizations/${org.orgId}/audit-logs`, {
        method: 'POST',
        token: org.ownerKey,
        body: makeEvent(0, { id: 'v-late', timestamp: new Date(week.startMs + 5000).toISOString() }),
      }),
      201,
    );
    const second = await build(org.orgId, week.startDate);
    expect(first && second).toBeTruthy();
    const { pem } = await json<{ pem: string }>(await call('/api/v1/audit-logs-archives/public-key'), 200);
    const files = async (revision: number) => {
      const keys = archiveKeys(org.orgId, week.startDate, revision);
      return { zip: await r2Bytes(keys.zip), manifest: await r2Bytes(keys.manifest), signature: await r2Bytes(keys.signature) };
    };
    const revision2 = await files(2);
    const report = await verifyArchive({ ...revision2, publicKeyPem: pem });
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.records).toBe(201);
    const chain = await verifyChain([revision2.manifest, (await files(1)).manifest]);
    expect(chain.problems).toEqual([]);

    for (const position of [40, Math.floor(revision2.zip.byteLength / 2), revision2.zip.byteLength - 30]) {
      const zip = revision2.zip.slice();
      zip[position] = (zip[position] ?? 0) ^ 0x01;
      expect((await verifyArchive({ ...revision2, zip, publicKeyPem: pem })).ok, `zip byte ${position}`).toBe(false);
    }
    const manifest = revision2.manifest.slice();
    manifest[20] = (manifest[20] ?? 0) ^ 0x01;
    expect((await verifyArchive({ ...revision2, manifest, publicKeyPem: pem })).ok).toBe(false);
  });
});
