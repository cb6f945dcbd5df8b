// The single-archive verifier on a valid archive and on corrupted ZIP bytes (the archives: helpers/independent-archives.ts).
import { describe, expect, it } from 'vitest';
import { verifyArchive } from '../worker/archive/verify/index.ts';
import {
  buildArchive,
  buildStreamingZip,
  centralRecord,
  compressedData,
  dayFiles,
  encoder,
  endRecord,
  expectOnlyProblems,
  expectProblems,
  flipByte,
  localHeader,
  TOTAL_EVENTS,
  u16,
  withoutManifest,
} from './helpers/independent-archives.ts';

describe('verifyArchive: a valid archive', () => {
  it('passes with a manifest, signature and key, and reports what it checked', async () => {
    const archive = await buildArchive();
    const report = await verifyArchive(archive);
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.records).toBe(TOTAL_EVENTS);
    expect(report.notes).toEqual([]);
    expect(report.checks).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^signature: valid Ed25519 signature/),
        expect.stringMatching(/^ZIP entries: exactly the 7 days 2026-11-23\.json … 2026-11-29\.json/),
        expect.stringMatching(/^ZIP structure: 7 entries/),
        expect.stringMatching(/^2026-11-25\.json: empty day/),
        expect.stringMatching(/^2026-11-23\.json: 4 events, exact day-file format/),
        expect.stringMatching(new RegExp(`^archive sha256 ${archive.manifestObject.archive.sha256} matches the manifest`)),
        expect.stringMatching(/^archive records 11 match the manifest/),
        expect.stringMatching(/^2026-11-29\.json: sha256 and records \(1\) match the manifest/),
      ]),
    );
  });

  it('passes in the streaming writer layout (fflate Zip/ZipDeflate with data descriptors)', async () => {
    const files = dayFiles();
    const archive = await buildArchive({ files, zip: buildStreamingZip(files) });
    expect(u16(archive.zip, 6) & 0x0008).toBe(0x0008); // the layout really is different
    const report = await verifyArchive(archive);
    expect(report.problems).toEqual([]);
    expect(report.checks).toEqual(expect.arrayContaining([expect.stringMatching(/local headers, data descriptors agree/)]));
  });

  it('passes without a manifest, saying that it was checked for internal consistency only', async () => {
    const report = await verifyArchive(withoutManifest(await buildArchive()));
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.records).toBe(TOTAL_EVENTS);
    expect(report.notes).toEqual([expect.stringMatching(/^no manifest given/)]);
  });

  it('passes with a manifest but no public key, noting that the signature was not checked', async () => {
    const { zip, manifest, signature } = await buildArchive();
    const report = await verifyArchive({ zip, manifest, signature });
    expect(report.ok).toBe(true);
    expect(report.notes).toEqual(['signature not checked: no public key given']);
    expect(report.checks.some((check) => check.startsWith('signature:'))).toBe(false);
  });

  it('passes for a week with no events at all', async () => {
    const archive = await buildArchive({ files: dayFiles([[], [], [], [], [], [], []]) });
    const report = await verifyArchive(archive);
    expect(report.problems).toEqual([]);
    expect(report.records).toBe(0);
  });
});

describe('verifyArchive: corrupted ZIP bytes', () => {
  const targets: { name: string; position: (zip: Uint8Array) => number; problem: RegExp }[] = [
    {
      name: 'the compressed data of 2026-11-23.json',
      position: (zip) => compressedData(zip, 0).start + Math.floor(compressedData(zip, 0).length / 2),
      problem: /^ZIP entry "2026-11-23\.json": (cannot be inflated|inflates to \d+ bytes|CRC-32 of the inflated data)/,
    },
    {
      name: 'the compressed data of 2026-11-29.json (last entry)',
      position: (zip) => compressedData(zip, 6).start + 2,
      problem: /^ZIP entry "2026-11-29\.json": (cannot be inflated|inflates to \d+ bytes|CRC-32 of the inflated data)/,
    },
    {
      name: 'the local header CRC-32 of 2026-11-24.json',
      position: (zip) => localHeader(zip, 1) + 14,
      problem: /^ZIP entry "2026-11-24\.json": local header CRC-32 0x[0-9a-f]{8} differs from the central directory's/,
    },
    {
      name: 'the local header file name of 2026-11-23.json',
      position: () => 30 + 9,
      problem: /^ZIP entry "2026-11-23\.json": local header name "2026-11-22\.json" differs/,
    },
    {
      name: 'the local header signature',
      position: (zip) => localHeader(zip, 2),
      problem: /^ZIP entry "2026-11-25\.json": no local file header at byte \d+/,
    },
    {
      name: 'the central directory CRC-32 of 2026-11-27.json',
      position: (zip) => centralRecord(zip, 4) + 16,
      problem: /^ZIP entry "2026-11-27\.json": (local header CRC-32 .* differs|CRC-32 of the inflated data)/,
    },
    {
      name: 'the central directory file name of 2026-11-26.json',
      position: (zip) => centralRecord(zip, 3) + 46 + 9,
      problem: /^ZIP: missing entry 2026-11-26\.json$/,
    },
    {
      name: 'the central directory size of 2026-11-28.json',
      position: (zip) => centralRecord(zip, 5) + 24,
      problem: /^ZIP entry "2026-11-28\.json": local header size \d+ differs/,
    },
    { name: 'the end record entry count', position: (zip) => endRecord(zip) + 10, problem: /^ZIP: inconsistent end record/ },
    {
      name: 'the end record central directory offset',
      position: (zip) => endRecord(zip) + 16,
      problem: /^ZIP: central directory .* does not end where the end record starts/,
    },
  ];

  for (const target of targets) {
    it(`fails when a byte is flipped in ${target.name}`, async () => {
      const archive = await buildArchive();
      const zip = flipByte(archive.zip, target.position(archive.zip));
      const withManifest = await verifyArchive({ ...archive, zip });
      expectProblems(
        withManifest,
        /^manifest\.archive\.sha256: the ZIP's sha256 is [0-9a-f]{64}, the manifest says "[0-9a-f]{64}"$/,
        target.problem,
      );
      // Without a manifest the ZIP's own structure still gives it away.
      expectProblems(await verifyArchive({ zip }), target.problem);
    });
  }

  it('fails, without throwing, for a flip at every byte position when a manifest is given', async () => {
    const archive = await buildArchive();
    for (let position = 0; position < archive.zip.length; position += 1) {
      const report = await verifyArchive({ ...archive, zip: flipByte(archive.zip, position) });
      expect(report.ok, `flip at byte ${position}`).toBe(false);
      expect(report.problems).toContainEqual(expect.stringMatching(/^manifest\.archive\.sha256:/));
      expect(report.problems.filter((problem) => problem.startsWith('verifier: unexpected error'))).toEqual([]);
    }
  });

  it('reports unreadable input as problems instead of throwing', async () => {
    const archive = await buildArchive();
    expectOnlyProblems(await verifyArchive({ zip: new Uint8Array() }), /^ZIP: not a ZIP archive \(0 bytes/);
    expectOnlyProblems(
      await verifyArchive({ zip: encoder.encode('this is not a zip file at all, just some text') }),
      /^ZIP: not a ZIP archive \(no end-of-central-directory record\)/,
    );
    expectProblems(await verifyArchive({ zip: archive.zip.subarray(0, archive.zip.length - 30) }), /^ZIP: not a ZIP archive/);
    expectProblems(
      await verifyArchive({ zip: new Uint8Array([...archive.zip, 0x00]) }),
      /^ZIP: end-of-central-directory record at byte \d+ declares a 0-byte comment but 1 bytes follow it/,
    );
    expectProblems(await verifyArchive({ ...archive, manifest: encoder.encode('{"version": 1,') }), /^manifest: not valid JSON/);
    expectProblems(await verifyArchive({ ...archive, manifest: new Uint8Array([0xff, 0xfe, 0x7b, 0x7d]) }), /^manifest: not valid UTF-8/);
    expectProblems(await verifyArchive({ ...archive, publicKeyPem: 'not a key' }), /^public key: cannot be used as an Ed25519 SPKI key/);
    // An entry is not inflated when its declared size is over the limit (zip bombs).
    expectProblems(
      await verifyArchive({ zip: archive.zip, maxEntryBytes: 1000 }),
      /^ZIP entry "2026-11-23\.json": declares \d+ bytes uncompressed, over the 1000-byte limit; not inflated$/,
    );
  });
});
