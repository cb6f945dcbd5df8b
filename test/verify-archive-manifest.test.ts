// The single-archive verifier on wrong manifests and signatures, and the chain of manifests (helpers/independent-archives.ts).
import { describe, expect, it } from 'vitest';
import { spkiPemToDer, verifyArchive, verifyChain } from '../worker/archive/verify/index.ts';
import {
  buildArchive,
  buildZip,
  dayFiles,
  encoder,
  expectOnlyProblems,
  expectProblems,
  flipByte,
  KEYS,
  type Manifest,
  makeManifest,
  manifestBytes,
  ORG,
  OTHER_KEYS,
  sha256,
  sign,
} from './helpers/independent-archives.ts';

describe('verifyArchive: manifest and signature', () => {
  it('fails the signature when a manifest byte is flipped', async () => {
    const archive = await buildArchive();
    const text = new TextDecoder().decode(archive.manifest);
    const position = text.indexOf('"generatedAt": "2026-11-30T00:31:07') + '"generatedAt": "2026-11-30T00:31:0'.length;
    const manifest = flipByte(archive.manifest, position); // 07 → 06 seconds: still a valid manifest
    expectOnlyProblems(
      await verifyArchive({ ...archive, manifest }),
      /^signature: the Ed25519 signature does not match the manifest bytes/,
    );
  });

  it('fails, without throwing, for a flip at every byte position of the manifest', async () => {
    const archive = await buildArchive();
    for (let position = 0; position < archive.manifest.length; position += 1) {
      const report = await verifyArchive({ ...archive, manifest: flipByte(archive.manifest, position) });
      expect(report.ok, `flip at manifest byte ${position}`).toBe(false);
      expect(report.problems).toContainEqual(expect.stringMatching(/^signature: the Ed25519 signature does not match/));
    }
  });

  it('fails on a wrong per-file sha256 and record count, naming the file', async () => {
    const wrongSha = await sha256(encoder.encode('[]\n'));
    const archive = await buildArchive({
      edit: (manifest) => {
        const wednesday = manifest.files[2];
        const friday = manifest.files[4];
        if (!wednesday || !friday) throw new Error('files missing');
        wednesday.sha256 = 'e'.repeat(64);
        friday.sha256 = wrongSha;
        friday.records += 1;
        manifest.archive.records += 1;
      },
    });
    expectOnlyProblems(
      await verifyArchive(archive),
      /^manifest\.archive\.records: the day files hold 11 events, the manifest says 12$/,
      /^manifest\.files\[2\]\.sha256 \(2026-11-25\.json\): the file's sha256 is [0-9a-f]{64}, the manifest says "e{64}"$/,
      /^manifest\.files\[4\]\.sha256 \(2026-11-27\.json\): the file's sha256 is [0-9a-f]{64}, the manifest says "[0-9a-f]{64}"$/,
      /^manifest\.files\[4\]\.records \(2026-11-27\.json\): the file holds 2 events, the manifest says 3$/,
    );
  });

  it('fails on a wrong archive sha256 or size', async () => {
    const archive = await buildArchive({
      edit: (manifest) => {
        manifest.archive.sha256 = '0'.repeat(64);
        manifest.archive.bytes += 1;
      },
    });
    const report = await verifyArchive(archive);
    expect(report.checks).toContainEqual(expect.stringMatching(/^signature: valid/)); // signed, yet wrong
    expectOnlyProblems(
      report,
      new RegExp(`^manifest\\.archive\\.sha256: the ZIP's sha256 is ${await sha256(archive.zip)}, the manifest says "0{64}"$`),
      /^manifest\.archive\.bytes: the ZIP is \d+ bytes, the manifest says \d+$/,
    );
  });

  it('fails on wrong manifest fields: version, endDate, week, names, format', async () => {
    expectProblems(
      await verifyArchive(
        await buildArchive({
          edit: (manifest) => {
            manifest.version = 2;
          },
        }),
      ),
      /^manifest\.version: expected 1, found 2$/,
    );
    expectProblems(
      await verifyArchive(
        await buildArchive({
          edit: (manifest) => {
            manifest.endDate = '2026-11-30';
          },
        }),
      ),
      /^manifest\.endDate: expected 2026-11-29 \(startDate \+ 6 days\), found "2026-11-30"$/,
    );
    expectProblems(
      await verifyArchive(await buildArchive({ manifest: { startDate: '2026-11-24' } })),
      /^manifest\.startDate: 2026-11-24 is not a Monday$/,
    );
    expectProblems(
      await verifyArchive(await buildArchive({ manifest: { startDate: '2026-11-16' } })),
      /^ZIP: missing entry 2026-11-16\.json$/,
      /^ZIP: unexpected entry "2026-11-23\.json"/,
    );
    expectProblems(
      await verifyArchive(
        await buildArchive({
          edit: (manifest) => {
            manifest.files[6] = { name: '2026-11-30.json', sha256: manifest.files[6]?.sha256 ?? '', records: 1 };
          },
        }),
      ),
      /^manifest\.files\[6\]\.name: expected 2026-11-29\.json, found "2026-11-30\.json"$/,
    );
    expectProblems(
      await verifyArchive(
        await buildArchive({
          edit: (manifest) => {
            manifest.revision = 0;
          },
        }),
      ),
      /^manifest\.revision: expected an integer ≥ 1, found 0$/,
    );

    // Compact JSON, correctly signed: only the format rule catches it.
    const archive = await buildArchive();
    const compact = encoder.encode(JSON.stringify(archive.manifestObject));
    expectOnlyProblems(
      await verifyArchive({ ...archive, manifest: compact, signature: await sign(compact, KEYS) }),
      /^manifest: not in the exact format JSON\.stringify\(manifest, null, 2\) \+ "\\n"/,
    );
  });

  it('fails on a bad signature and on the wrong key', async () => {
    const archive = await buildArchive();
    const badSignature = /^signature: the Ed25519 signature does not match the manifest bytes under this public key/;
    expectOnlyProblems(await verifyArchive({ ...archive, signature: flipByte(archive.signature, 17) }), badSignature);
    expectOnlyProblems(await verifyArchive({ ...archive, signature: await sign(archive.manifest, OTHER_KEYS) }), badSignature);
    expectOnlyProblems(await verifyArchive({ ...archive, publicKeyPem: OTHER_KEYS.publicKeyPem }), badSignature);
    expectOnlyProblems(
      await verifyArchive({ ...archive, signature: archive.signature.subarray(0, 63) }),
      /^signature: expected a raw 64-byte Ed25519 signature, found 63 bytes$/,
    );
    const { zip, manifest, publicKeyPem } = archive;
    expectOnlyProblems(await verifyArchive({ zip, manifest, publicKeyPem }), /^signature: a public key was given but no signature/);
  });

  it('spkiPemToDer round-trips the exported key and rejects other input', () => {
    expect(spkiPemToDer(KEYS.publicKeyPem)).toEqual(KEYS.der);
    expect(() => spkiPemToDer('-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----')).toThrow(/not an SPKI PEM public key/);
    expect(() => spkiPemToDer('-----BEGIN PUBLIC KEY-----\n!!!\n-----END PUBLIC KEY-----')).toThrow(/not valid base64/);
  });
});

describe('verifyChain', () => {
  /** Three manifests in generation order: week 1, week 2, then a second revision of week 1. */
  async function chain(): Promise<Uint8Array[]> {
    const files = dayFiles();
    const zip = buildZip(files);
    const first = manifestBytes(
      await makeManifest(zip, files, { startDate: '2026-11-16', generatedAt: '2026-11-23T00:30:05.000Z', previous: null }),
    );
    const second = manifestBytes(
      await makeManifest(zip, files, { generatedAt: '2026-11-30T00:30:04.000Z', previous: await sha256(first) }),
    );
    const third = manifestBytes(
      await makeManifest(zip, files, {
        startDate: '2026-11-16',
        revision: 2,
        generatedAt: '2026-12-01T00:30:09.000Z',
        previous: await sha256(second),
      }),
    );
    return [first, second, third];
  }

  it('passes for a valid chain of three, in any input order', async () => {
    const [first, second, third] = await chain();
    if (!first || !second || !third) throw new Error('chain');
    const report = await verifyChain([third, first, second], ['c.json', 'a.json', 'b.json']);
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.notes).toEqual([]);
    expect(report.checks).toEqual([
      `chain: all 3 manifests belong to organization ${ORG}`,
      'chain: a.json (2026-11-16 r1) starts the chain (previousManifestSha256 null)',
      expect.stringMatching(/^chain: b\.json \(2026-11-23 r1\) → a\.json \(2026-11-16 r1\)/),
      expect.stringMatching(/^chain: c\.json \(2026-11-16 r2\) → b\.json \(2026-11-23 r1\)/),
    ]);
  });

  it('passes, with a note, when the chain starts outside the given manifests', async () => {
    const [, second, third] = await chain();
    if (!second || !third) throw new Error('chain');
    const report = await verifyChain([second, third]);
    expect(report.ok).toBe(true);
    expect(report.notes).toEqual([expect.stringMatching(/^chain starts outside the given manifests: manifest #1 \(2026-11-23 r1\)/)]);
  });

  it('fails on a broken link: a predecessor altered after the fact, or a wrong hash', async () => {
    const [first, second, third] = await chain();
    if (!first || !second || !third) throw new Error('chain');
    const alteredSecond = flipByte(second, new TextDecoder().decode(second).indexOf('"revision": 1') + '"revision": '.length, 0x03); // 1 → 2
    const report = await verifyChain([first, alteredSecond, third], ['a', 'b', 'c']);
    expectProblems(
      report,
      new RegExp(
        `^chain: broken link — c \\(2026-11-16 r2\\) has previousManifestSha256 ${await sha256(second)}, expected ${await sha256(alteredSecond)} \\(sha256 of b \\(2026-11-23 r2\\)`,
      ),
    );
    expect(report.problems).toHaveLength(1);

    const skipping = manifestBytes({
      ...(JSON.parse(new TextDecoder().decode(third)) as Manifest),
      previousManifestSha256: await sha256(first),
    });
    const skipReport = await verifyChain([first, second, skipping], ['a', 'b', 'c']);
    expect(skipReport.ok).toBe(false);
    expect(skipReport.problems).toEqual([
      expect.stringMatching(/^chain: fork — b \(2026-11-23 r1\), c \(2026-11-16 r2\) both claim previousManifestSha256/),
      expect.stringMatching(
        /^chain: broken link — c \(2026-11-16 r2\) points to a \(2026-11-16 r1\), but the manifest generated just before it is b/,
      ),
    ]);

    const restart = manifestBytes({ ...(JSON.parse(new TextDecoder().decode(third)) as Manifest), previousManifestSha256: null });
    const restartReport = await verifyChain([first, second, restart], ['a', 'b', 'c']);
    expect(restartReport.problems).toContainEqual(
      expect.stringMatching(/^chain: broken link — c \(2026-11-16 r2\) has previousManifestSha256 null/),
    );
  });

  it('fails on a fork: two manifests claiming the same predecessor', async () => {
    const [first, second] = await chain();
    if (!first || !second) throw new Error('chain');
    const files = dayFiles();
    const rival = manifestBytes(
      await makeManifest(buildZip(files), files, { generatedAt: '2026-11-30T00:45:00.000Z', revision: 2, previous: await sha256(first) }),
    );
    const report = await verifyChain([first, second, rival], ['a', 'b', 'rival']);
    expect(report.ok).toBe(false);
    expect(report.problems).toContainEqual(
      expect.stringMatching(
        /^chain: fork — b \(2026-11-23 r1\), rival \(2026-11-23 r2\) both claim previousManifestSha256 [0-9a-f]{64} \(a \(2026-11-16 r1\)\)$/,
      ),
    );
  });

  it('fails when the manifests belong to different organizations, or one is unreadable', async () => {
    const [first, second] = await chain();
    if (!first || !second) throw new Error('chain');
    const foreign = manifestBytes({ ...(JSON.parse(new TextDecoder().decode(second)) as Manifest), organizationId: 'org_other' });
    const report = await verifyChain([first, foreign]);
    expect(report.problems).toEqual([expect.stringMatching(/^chain: the manifests belong to different organizations/)]);
    const unreadable = await verifyChain([first, encoder.encode('{')]);
    expect(unreadable.problems).toEqual([expect.stringMatching(/^chain: manifest #2 cannot be read/)]);
  });
});
