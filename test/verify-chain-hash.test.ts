/** The manifests' chainHash recomputed by the offline verifier from the archives' events (docs/INTEGRITY.md). */
import { describe, expect, it } from 'vitest';
import { verifyDirectory } from '../worker/archive/verify/index.ts';
import { type ChainHashWeek, checkManifestChainHashes } from '../worker/archive/verify/manifest-chain-hash.ts';
import { week as isoWeek, weekStartDate } from '../worker/archive/week.ts';
import { contentHashOf, GENESIS_CHAIN_HASH, nextChainHash } from '../worker/events/content-hash.ts';
import { archiveKeys } from '../worker/services/archive/storage.ts';
import { createOrg } from './helpers/api.ts';
import { build, ingestAll, r2Bytes, weekEvents } from './helpers/archives.ts';
import { publicKeyPem } from './helpers/checkpoints.ts';

describe('verifyDirectory: manifest chainHash', () => {
  it('checks a week continuing the chain from the previous week’s chainHash; one it cannot reach is a note', async () => {
    const org = await createOrg('chain-hash-folder');
    const older = isoWeek(weekStartDate(Date.now() - 14 * 86_400_000));
    const newer = isoWeek(weekStartDate(Date.now() - 7 * 86_400_000));
    // Older week's events first, so the newer week's sequences follow them without a gap.
    await ingestAll(org, weekEvents(older.startMs, 6, 'ch-old'));
    await ingestAll(org, weekEvents(newer.startMs, 6, 'ch-new'));
    const files = [];
    for (const startDate of [older.startDate, newer.startDate]) {
      expect((await build(org.orgId, startDate))?.manifest.chainHash).toMatch(/^[0-9a-f]{64}$/);
      const keys = archiveKeys(org.orgId, startDate, 1);
      for (const [name, key] of [
        [`${startDate}.zip`, keys.zip],
        [`${startDate}.manifest.json`, keys.manifest],
        [`${startDate}.sig`, keys.signature],
      ] as const) {
        const bytes = await r2Bytes(key);
        files.push({ name, read: async () => bytes });
      }
    }
    const report = await verifyDirectory({ files, publicKeyPem: await publicKeyPem() });
    const [organization] = report.organizations;
    expect(report.ok).toBe(true);
    expect(organization?.chainHashes.problems).toEqual([]);
    expect(organization?.chainHashes.checks).toEqual([expect.stringContaining(`${newer.startDate}.manifest.json: chainHash equals`)]);
    // The organization's own setup events (before the older week's) are in no archive here.
    expect(organization?.chainHashes.notes).toEqual([expect.stringContaining(`${older.startDate}.manifest.json: chainHash at sequence`)]);
  });
});

describe('checkManifestChainHashes', () => {
  const hashes = Array.from({ length: 6 }, (_, index) => contentHashOf({ id: `e${index + 1}`, sequence: index + 1 }));
  const chainAt = (n: number, list = hashes) => list.slice(0, n).reduce(nextChainHash, GENESIS_CHAIN_HASH);

  it('walks from genesis across weeks whose sequences interleave', () => {
    const report = checkManifestChainHashes([
      { label: 'a', chainHash: chainAt(4), sequences: [1, 2, 4], contentHashes: [hashes[0], hashes[1], hashes[3]] as string[] },
      { label: 'b', chainHash: chainAt(6), sequences: [3, 5, 6], contentHashes: [hashes[2], hashes[4], hashes[5]] as string[] },
    ]);
    expect(report.problems).toEqual([]);
    expect(report.checks).toHaveLength(2);
  });

  it('names the first sequence after the last chain hash that matched when an event changed', () => {
    const altered = [...hashes];
    altered[4] = contentHashOf({ id: 'e5', sequence: 5, action: 'altered' });
    const report = checkManifestChainHashes([
      { label: 'a', chainHash: chainAt(3), sequences: [1, 2, 3], contentHashes: altered.slice(0, 3) },
      { label: 'b', chainHash: chainAt(6), sequences: [4, 5, 6], contentHashes: altered.slice(3) },
    ]);
    expect(report.checks).toHaveLength(1);
    expect(report.problems).toEqual([expect.stringContaining('the first sequence affected is at or after 4')]);
  });

  it('compares with signed checkpoints and starts from one just before the folder’s first sequence', () => {
    const weeks = [{ label: 'b', chainHash: null, sequences: [4, 5, 6], contentHashes: hashes.slice(3) }];
    const checkpoints = [3, 5, 6].map((sequence) => ({ sequence, chainHash: chainAt(sequence) }));
    const report = checkManifestChainHashes(weeks, checkpoints);
    expect(report.problems).toEqual([]);
    expect(report.checkpoints).toContain('equals 2 signed checkpoints (sequences 5..6)');
    const altered = [...hashes];
    altered[5] = contentHashOf({ id: 'e6', sequence: 6, action: 'altered' });
    const tampered = checkManifestChainHashes([{ ...weeks[0], contentHashes: altered.slice(3) } as ChainHashWeek], checkpoints);
    expect(tampered.problems).toEqual([
      expect.stringContaining('the checkpoint at sequence 6: chainHash differs from the chain recomputed over sequences 6..6'),
    ]);
    // Without the checkpoint below the folder, the one at 5 is not reached; it anchors the one at 6.
    const unanchored = checkManifestChainHashes(weeks, checkpoints.slice(1));
    expect(unanchored.notes).toEqual(['checkpoints: 1 not compared (the folder lacks events before or up to them)']);
    expect(unanchored.checkpoints).toContain('equals 1 signed checkpoint (sequences 6..6)');
  });

  it('skips manifests without chainHash (older archives)', () => {
    expect(checkManifestChainHashes([{ label: 'old', chainHash: null, sequences: [1], contentHashes: [hashes[0] as string] }])).toEqual({
      problems: [],
      checks: [],
      notes: [],
    });
  });
});
