// The folder verifier: chain, coverage, gaps, duplicates, expired ZIPs, --complete-through (the archives: helpers/archive-folders.ts).
import { describe, expect, it } from 'vitest';
import {
  countProblems,
  type DirectoryFile,
  type DirectoryReport,
  directoryReportLines,
  type OrganizationReport,
  verifyDirectory,
} from '../worker/archive/verify/index.ts';
import { type ArchiveSpec, buildArchives, folder, ORG, OTHER_ORG, PUBLIC_KEY, W1, W2, W3, without } from './helpers/archive-folders.ts';

/** W1 (1–3, 5), W2 (4, 6, 7), then W1 again with the late event 8, then W3 (9, 10): 1–10 once each. */
const COMPLETE: ArchiveSpec[] = [
  { startDate: W1, sequences: [1, 2, 3, 5] },
  { startDate: W2, sequences: [4, 6, 7] },
  { startDate: W1, revision: 2, sequences: [1, 2, 3, 5, 8] },
  { startDate: W3, sequences: [9, 10] },
];

function only(report: DirectoryReport): OrganizationReport {
  expect(report.organizations).toHaveLength(1);
  const [organization] = report.organizations;
  if (!organization) throw new Error('no organization');
  return organization;
}

const verify = (files: DirectoryFile[], completeThrough?: number) =>
  verifyDirectory({ files, publicKeyPem: PUBLIC_KEY, ...(completeThrough === undefined ? {} : { completeThrough }) });

describe('verifyDirectory: a complete folder', () => {
  it('passes: every archive and signature, a linear chain, sequences 1–10 once each', async () => {
    const report = await verify(folder(await buildArchives(COMPLETE)), 10);
    const organization = only(report);
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
    expect(organization.chain.problems).toEqual([]);
    expect(organization.chain.notes).toEqual([]);
    expect(organization.archives.map((verdict) => [verdict.stem, verdict.report.ok, verdict.counted, verdict.supersededBy])).toEqual([
      [W1, true, false, 2],
      [`${W1}.rev2`, true, true, null],
      [W2, true, true, null],
      [W3, true, true, null],
    ]);
    expect(organization.archives.every((verdict) => verdict.report.checks.some((check) => check.startsWith('signature: valid')))).toBe(
      true,
    );
    // The superseded revision's 1, 2, 3, 5 are not counted again.
    expect(organization.coverage).toMatchObject({
      covered: [{ first: 1, last: 10 }],
      gaps: [],
      duplicates: [],
      highest: 10,
      withSequence: 10,
    });
    expect(organization.completeness).toEqual({ through: 10, ok: true, problems: [], notes: [] });
    expect(countProblems(report)).toBe(0);
    expect(directoryReportLines(report)).toEqual(
      expect.arrayContaining([
        `Organization ${ORG}: 4 archives of 3 weeks`,
        '  ✓ manifest chain: 4 manifests in build order, linear, no fork, every link present',
        `  ✓ 2026-11-02       week 2026-11-02 revision 1, 4 events, superseded by revision 2`,
        '  sequences:  1–10 (10 events in the highest revision of each week)',
        '  gaps:       none',
        '  ✓ complete through 10: every sequence 1–10 exactly once',
      ]),
    );
  });

  it('reports each organization of a shared folder on its own, each with its own chain', async () => {
    const archives = await buildArchives([...COMPLETE, { startDate: W1, sequences: [1, 2], organizationId: OTHER_ORG }]);
    const other = archives[4];
    if (!other) throw new Error('no archive');
    const report = await verify(folder([...archives.slice(0, 4), { ...other, stem: 'other-org' }]), 2);
    expect(report.ok).toBe(true);
    expect(
      report.organizations.map((organization) => [
        organization.organizationId,
        organization.archives.length,
        organization.coverage.highest,
      ]),
    ).toEqual([
      [ORG, 4, 10],
      [OTHER_ORG, 1, 2],
    ]);
    expect(report.organizations[1]?.chain.checks).toContainEqual(
      'chain: other-org.manifest.json (2026-11-02 r1) starts the chain (previousManifestSha256 null)',
    );
  });
});

describe('verifyDirectory: sequences', () => {
  it('reports a missing sequence as a gap; --complete-through fails only when the gap is at or below N', async () => {
    const specs = COMPLETE.map((spec) => (spec.startDate === W2 ? { ...spec, sequences: [4, 7] } : spec));
    const files = folder(await buildArchives(specs));
    const plain = only(await verify(files));
    expect(plain.ok).toBe(true); // a gap alone is reported, not a failure: the folder may be a part
    expect(plain.coverage).toMatchObject({
      covered: [
        { first: 1, last: 5 },
        { first: 7, last: 10 },
      ],
      gaps: [{ first: 6, last: 6 }],
    });

    const through10 = await verify(files, 10);
    expect(through10.ok).toBe(false);
    expect(only(through10).completeness?.problems).toEqual(['1 sequence up to 10 missing: 6']);
    expect(directoryReportLines(through10)).toEqual(
      expect.arrayContaining([
        '  sequences:  1–5, 7–10 (9 events in the highest revision of each week)',
        '  gaps:       6 (1 sequence between 1 and 10)',
      ]),
    );
    expect((await verify(files, 5)).ok).toBe(true);
  });

  it('fails --complete-through N above the highest sequence seen, saying so', async () => {
    const files = folder(await buildArchives(COMPLETE));
    const report = await verify(files, 12);
    expect(report.ok).toBe(false);
    expect(only(report).completeness?.problems).toEqual([
      '2 sequences up to 12 missing: 11–12 (12 is above the highest sequence seen, 10)',
    ]);
    expect((await verify(files, 1)).ok).toBe(true);
  });

  it('fails on a sequence carried by two events, naming both weeks, with or without --complete-through', async () => {
    const specs = COMPLETE.map((spec) => (spec.startDate === W3 ? { ...spec, sequences: [9, 10, 4] } : spec));
    const files = folder(await buildArchives(specs));
    const report = await verify(files);
    const organization = only(report);
    expect(report.ok).toBe(false);
    expect(organization.coverage.duplicates).toEqual([{ sequence: 4, weeks: [W2, W3] }]);
    expect(organization.problems).toEqual([`sequence 4 appears 2 times: weeks ${W2}, ${W3}`]);
    expect(organization.archives.every((verdict) => verdict.report.ok)).toBe(true); // each archive on its own is fine
    expect(only(await verify(files, 10)).completeness?.problems).toEqual(['1 sequence up to 10 appears more than once: 4 (2×)']);
    expect(only(await verify(files, 3)).completeness?.ok).toBe(true);
  });

  it('fails when a later revision lacks an event of an earlier one', async () => {
    const specs = COMPLETE.map((spec) => (spec.revision === 2 ? { ...spec, sequences: [1, 3, 5, 8] } : spec));
    const report = await verify(folder(await buildArchives(specs)));
    expect(report.ok).toBe(false);
    expect(only(report).problems).toEqual([`week ${W1}: revision 1 (${W1}.manifest.json) has 1 sequence that revision 2 lacks: 2`]);
  });

  it('verifies older archives without sequences, counting their events as such, beside newer ones', async () => {
    const older: ArchiveSpec[] = [
      { startDate: W1, sequences: [null, null, null] },
      { startDate: W2, sequences: [null, null, 1, 2] }, // sequences began mid-week
      { startDate: W3, sequences: [3, 4] },
    ];
    const report = await verify(folder(await buildArchives(older)), 4);
    const organization = only(report);
    expect(report.problems).toEqual([]);
    expect(organization.archives.map((verdict) => verdict.report.problems)).toEqual([[], [], []]);
    expect(report.ok).toBe(true);
    expect(organization.coverage).toMatchObject({ events: 9, withSequence: 4, withoutSequence: 5, covered: [{ first: 1, last: 4 }] });
    expect(directoryReportLines(report)).toContain('  without a sequence: 5 events (archives built before events had one)');

    const onlyOlder = await verify(folder(await buildArchives(older.slice(0, 1))), 1);
    expect(only(onlyOlder).archives[0]?.report.ok).toBe(true);
    expect(only(onlyOlder).completeness?.problems).toEqual(['1 sequence up to 1 missing: 1 (no event in the folder has a sequence)']);
    expect(only(onlyOlder).completeness?.notes).toEqual([
      '3 events without a sequence (archives built before events had one) cannot fill the gaps',
    ]);
  });
});

describe('verifyDirectory: chain and manifests', () => {
  it('fails on a fork: two manifests claiming the same predecessor', async () => {
    const archives = await buildArchives(COMPLETE);
    const [first] = archives;
    if (!first) throw new Error('no archive');
    const [rival] = await buildArchives([{ startDate: W3, revision: 2, sequences: [9, 10], previous: first.manifestSha256 }]);
    if (!rival) throw new Error('no archive');
    const report = await verify(folder([...archives, rival]));
    expect(report.ok).toBe(false);
    expect(only(report).chain.problems).toContainEqual(
      expect.stringMatching(
        new RegExp(`^chain: fork — ${W2}\\.manifest\\.json \\(${W2} r1\\), ${W3}\\.rev2\\.manifest\\.json \\(${W3} r2\\) both claim`),
      ),
    );
  });

  it('fails on a broken link (a manifest missing from the middle), notes a chain that starts outside the folder', async () => {
    const files = folder(await buildArchives(COMPLETE));
    const gap = await verify(without(files, `${W2}.zip`, `${W2}.manifest.json`, `${W2}.sig`));
    expect(gap.ok).toBe(false);
    expect(only(gap).chain.problems).toEqual([
      expect.stringMatching(
        new RegExp(`^chain: broken link — ${W1}\\.rev2\\.manifest\\.json \\(${W1} r2\\) has previousManifestSha256 [0-9a-f]{64}, expected`),
      ),
    ]);

    const later = await verify(without(files, `${W1}.zip`, `${W1}.manifest.json`, `${W1}.sig`));
    expect(later.ok).toBe(true);
    expect(only(later).chain.notes).toEqual([
      expect.stringMatching(new RegExp(`^chain starts outside the given manifests: ${W2}\\.manifest\\.json`)),
    ]);
  });

  it('fails on a tampered manifest: its signature, and the link the next manifest holds to it', async () => {
    const archives = await buildArchives(COMPLETE);
    const second = archives[1];
    if (!second) throw new Error('no archive');
    const text = new TextDecoder().decode(second.manifest);
    // Still a well-formed manifest, built one second later: only the signature and the chain can tell.
    const tampered = new TextEncoder().encode(
      text.replace('"generatedAt": "2026-12-01T00:31:00.000Z"', '"generatedAt": "2026-12-01T00:31:01.000Z"'),
    );
    expect(tampered).not.toEqual(second.manifest);
    const report = await verify(folder(archives, { [`${W2}.manifest.json`]: tampered }));
    const organization = only(report);
    expect(report.ok).toBe(false);
    const verdict = organization.archives.find((item) => item.stem === W2);
    expect(verdict?.report.problems).toContainEqual(
      expect.stringMatching(/^signature: the Ed25519 signature does not match the manifest bytes/),
    );
    expect(organization.chain.problems).toContainEqual(
      expect.stringMatching(new RegExp(`^chain: broken link — ${W1}\\.rev2\\.manifest\\.json`)),
    );
  });

  it('checks a manifest whose ZIP is gone for signature and chain, and names its week when --complete-through needs it', async () => {
    const files = without(folder(await buildArchives(COMPLETE)), `${W2}.zip`);
    const report = await verify(files);
    const organization = only(report);
    expect(report.ok).toBe(true);
    const verdict = organization.archives.find((item) => item.stem === W2);
    expect(verdict).toMatchObject({ hasZip: false, counted: true });
    expect(verdict?.report.checks).toContainEqual(expect.stringMatching(/^signature: valid/));
    expect(organization.chain.ok).toBe(true);
    expect(organization.coverage.unknownWeeks).toEqual([{ startDate: W2, revision: 1, manifest: `${W2}.manifest.json`, records: 3 }]);
    expect(directoryReportLines(report)).toContain(`  unknown:    week ${W2} (no ZIP, 3 events)`);

    const through10 = only(await verify(files, 10)).completeness;
    expect(through10?.ok).toBe(false);
    expect(through10?.problems).toEqual(['3 sequences up to 10 missing: 4, 6–7']);
    expect(through10?.notes).toEqual([
      `week ${W2} (revision 1, ${W2}.manifest.json) has no ZIP in the folder: its 3 events are unknown and may hold missing sequences`,
    ]);
    expect(only(await verify(files, 3)).completeness?.ok).toBe(true);
  });
});

describe('verifyDirectory: files in the folder', () => {
  it('pairs a downloaded ZIP with its manifest by sha256, and reports lone and ignored files', async () => {
    const archives = await buildArchives(COMPLETE);
    const files = folder(archives, { 'README.txt': new TextEncoder().encode('notes'), 'stray.sig': new Uint8Array(64) });
    const renamed = files.map((file) => (file.name === `${W3}.zip` ? { ...file, name: `audit-logs_${W3}_2026-11-22.zip` } : file));
    const report = await verify(renamed);
    expect(report.notes).toEqual([
      'ignored (not .zip, .manifest.json or .sig): README.txt',
      `audit-logs_${W3}_2026-11-22.zip goes with ${W3}.manifest.json (the sha256 it names)`,
    ]);
    expect(report.problems).toEqual(['stray.sig: no stray.manifest.json beside it']);
    expect(only(report).ok).toBe(true);

    const lone = await verify(folder(archives, { 'extra.zip': archives[0]?.zip ?? new Uint8Array() }));
    expect(lone.problems).toEqual([
      'extra.zip: no extra.manifest.json beside it and no manifest names its sha256, so it belongs to no week or chain',
    ]);
    expect(lone.unplaced.map((verdict) => [verdict.stem, verdict.report.ok])).toEqual([['extra', true]]);
    expect(lone.ok).toBe(false);
  });

  it('counts a second copy of an archive once, and fails on two different manifests for one revision', async () => {
    const archives = await buildArchives(COMPLETE);
    const last = archives[3];
    if (!last) throw new Error('no archive');
    const copied = only(await verify(folder([...archives, { ...last, stem: 'copy' }]), 10));
    expect(copied.ok).toBe(true);
    expect(copied.notes).toEqual([`copy.manifest.json is a copy of ${W3}.manifest.json; its events are counted once`]);
    expect(copied.coverage.duplicates).toEqual([]);

    const [rebuilt] = await buildArchives([{ startDate: W3, sequences: [9, 10], previous: last.manifestSha256 }]);
    if (!rebuilt) throw new Error('no archive');
    const twice = only(await verify(folder([...archives, { ...rebuilt, stem: 'rebuilt' }])));
    expect(twice.ok).toBe(false);
    expect(twice.problems).toContainEqual(
      `week ${W3} revision 1: ${W3}.manifest.json and rebuilt.manifest.json are different manifests for the same revision; only ${W3}.manifest.json counts for the sequences`,
    );
  });

  it('without a public key: passes with a warning, but a missing signature file is a problem', async () => {
    const files = folder(await buildArchives(COMPLETE));
    const unsigned = await verifyDirectory({ files });
    expect(unsigned.ok).toBe(true);
    expect(unsigned.notes).toEqual([expect.stringMatching(/^WARNING: no public key given, so no signature was checked/)]);
    const noSig = await verifyDirectory({ files: without(files, `${W3}.sig`) });
    expect(noSig.ok).toBe(false);
    expect(only(noSig).archives.find((verdict) => verdict.stem === W3)?.report.problems).toEqual([
      `signature: no ${W3}.sig beside ${W3}.manifest.json`,
    ]);
  });

  it('fails on an empty folder', async () => {
    const report = await verifyDirectory({ files: [] });
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual(['no archive in the folder (no .zip or .manifest.json file)']);
  });
});
