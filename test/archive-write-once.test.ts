import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import {
  ARCHIVE_LOCK_PREFIX,
  archiveBucketName,
  bucketLockArgs,
  lockRuleListed,
  longestArchiveRetention,
} from '../scripts/lib/bucket-lock.ts';
import { ArchiveKeyTaken, archiveKeys, putArchiveSidecars } from '../worker/services/archive/storage.ts';
import { createOrg } from './helpers/api.ts';
import { build, ingestAll, lastWeek, r2Bytes, weekEvents } from './helpers/archives.ts';
import { eventsD1 } from './helpers/shards.ts';

/** Every archive object of the organization's week, by key, as stored. */
async function stored(orgId: string, startDate: string, revision: number) {
  const keys = archiveKeys(orgId, startDate, revision);
  return { zip: await r2Bytes(keys.zip), manifest: await r2Bytes(keys.manifest), signature: await r2Bytes(keys.signature) };
}

describe('archives are write-once', () => {
  it('a forced second build of an existing revision writes a new key and leaves every stored byte as it was', async () => {
    const org = await createOrg('worm');
    const week = lastWeek();
    await ingestAll(org, weekEvents(week.startMs, 50, 'w'));
    const first = await build(org.orgId, week.startDate);
    expect(first?.archive.revision).toBe(1);
    const original = await stored(org.orgId, week.startDate, 1);

    // The shard forgets the archive (as if its row were lost): the next build would be revision 1 again.
    const d1 = await eventsD1(org.orgId);
    await d1.prepare('DELETE FROM archives WHERE organization_id = ?').bind(org.orgId).run();
    const second = await build(org.orgId, week.startDate);
    expect(second?.archive.revision).toBe(2);
    expect(second?.archive.r2Key).toBe(archiveKeys(org.orgId, week.startDate, 2).zip);
    expect(await stored(org.orgId, week.startDate, 1)).toEqual(original);
    // Same events, same ZIP: the new revision is a copy under its own key.
    expect((await stored(org.orgId, week.startDate, 2)).zip).toEqual(original.zip);

    // Writing the sidecars of an existing revision directly is refused, and changes nothing.
    const keys = archiveKeys(org.orgId, week.startDate, 1);
    const names = { manifest: 'm.json', signature: 'm.sig' };
    await expect(putArchiveSidecars(env.ARCHIVES, keys, new Uint8Array([1]), new Uint8Array([2]), names)).rejects.toBeInstanceOf(
      ArchiveKeyTaken,
    );
    expect(await stored(org.orgId, week.startDate, 1)).toEqual(original);
  });

  it('two builds racing for one week never write over each other: the recorded archive is the bytes stored', async () => {
    const org = await createOrg('worm-race');
    const week = lastWeek();
    await ingestAll(org, weekEvents(week.startMs, 300, 'r'));
    const results = await Promise.allSettled([build(org.orgId, week.startDate), build(org.orgId, week.startDate)]);
    const built = results.flatMap((result) => (result.status === 'fulfilled' && result.value ? [result.value] : []));
    expect(built.length).toBeGreaterThanOrEqual(1);
    const d1 = await eventsD1(org.orgId);
    const rows = await d1
      .prepare('SELECT revision, sha256, manifest_sha256 AS manifestSha256 FROM archives WHERE organization_id = ? ORDER BY revision')
      .bind(org.orgId)
      .all<{ revision: number; sha256: string; manifestSha256: string }>();
    for (const row of rows.results) {
      const files = await stored(org.orgId, week.startDate, row.revision);
      const digest = async (bytes: Uint8Array) =>
        [...new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>))]
          .map((byte) => byte.toString(16).padStart(2, '0'))
          .join('');
      expect(await digest(files.zip)).toBe(row.sha256);
      expect(await digest(files.manifest)).toBe(row.manifestSha256);
    }
  });

  it('npm run deploy sets the lock rule on the archive prefix for the longest archive retention in use', () => {
    expect(archiveKeys('org_x', '2026-11-23', 3).zip.startsWith(ARCHIVE_LOCK_PREFIX)).toBe(true);
    expect(bucketLockArgs('audit-log-archives', { days: 3650 })).toEqual([
      'r2',
      'bucket',
      'lock',
      'add',
      'audit-log-archives',
      'archives-write-once',
      'orgs/',
      '--retention-days',
      '3650',
      '--force',
    ]);
    expect(bucketLockArgs('b', 'indefinite').slice(-2)).toEqual(['--retention-indefinite', '--force']);
    expect(() => bucketLockArgs('b', { days: 0 })).toThrow(RangeError);
    // An organization without settings, or with 0, keeps archives forever: so does the lock.
    expect(longestArchiveRetention(3, [400, 3650])).toBe('indefinite');
    expect(longestArchiveRetention(2, [400, 3650])).toEqual({ days: 3650 });
    expect(longestArchiveRetention(0, [])).toBe('indefinite');
    expect(
      archiveBucketName(
        '[[r2_buckets]]\nbinding = "OTHER"\nbucket_name = "x"\n\n[[r2_buckets]]\nbinding = "ARCHIVES"\nbucket_name = "y"\n',
      ),
    ).toBe('y');
    expect(lockRuleListed('id: archives-write-once\nprefix: orgs/')).toBe(true);
    expect(lockRuleListed('id: archives-write-once-old')).toBe(false);
  });
});
