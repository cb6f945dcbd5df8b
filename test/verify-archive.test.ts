// Longer than 300 lines: every way a single archive can be wrong (ZIP structure, day files, manifest,
// signature, chain), each a short case built on the same independent archive fixture.
import { Zip, ZipDeflate, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { spkiPemToDer, type VerifyReport, verifyArchive, verifyChain } from '../worker/archive/verify/index.ts';

// Archives here are built independently of any archive writer: the day-file rule, the manifest
// and the signature are written straight from the format in docs/verifying-archives.md, zipped
// with fflate at level 6 with a fixed mtime, and signed with a key pair generated for this file.

const ORG = 'org_01JDX6Q8Z3V4K2M9R7T5W1Y0AB';
const WEEK = '2026-11-23'; // a Monday
const MTIME = new Date('2026-11-30T00:30:00Z');
const DAY_MS = 86_400_000;
const encoder = new TextEncoder();

interface Manifest {
  version: number;
  organizationId: string;
  startDate: string;
  endDate: string;
  revision: number;
  generatedAt: string;
  archive: { sha256: string; bytes: number; records: number };
  files: { name: string; sha256: string; records: number }[];
  previousManifestSha256: string | null;
}

interface Event {
  id: string;
  organizationId: string;
  instanceId: string | null;
  timestamp: string;
  action: string;
  actor: { type: string; id: string; ip: string };
  object: {
    type: string;
    id: { name: string; kind: string; group: string };
    parentId: { name: string; parentName: string; applicationName: string };
  };
  details: { message: string; patch: string; actionType: string; [extra: string]: unknown };
  count: number;
  lastOccurredTimestamp: string;
}

interface KeyPair {
  privateKey: CryptoKey;
  publicKeyPem: string;
  der: Uint8Array;
}

interface Archive {
  zip: Uint8Array;
  manifest: Uint8Array;
  signature: Uint8Array;
  publicKeyPem: string;
  manifestObject: Manifest;
}

type DayFiles = [name: string, bytes: Uint8Array][];

// ---------------------------------------------------------------------------------------------
// Building blocks
// ---------------------------------------------------------------------------------------------

const day = (offset: number): string => new Date(Date.parse(`${WEEK}T00:00:00Z`) + offset * DAY_MS).toISOString().slice(0, 10);
const WEEK_NAMES = Array.from({ length: 7 }, (_, offset) => `${day(offset)}.json`);

function event(id: string, timestamp: string, overrides: Partial<Event> = {}): Event {
  return {
    id,
    organizationId: ORG,
    instanceId: 'inst_01JDX6PZ1ZK3M5Q7S9V2X4Z6B8',
    timestamp,
    action: 'update',
    actor: { type: 'user', id: 'alice@example.com', ip: '203.0.113.7' },
    object: {
      type: 'argocd_application',
      id: { name: 'guestbook', kind: 'Application', group: 'argoproj.io' },
      parentId: { name: 'prod', parentName: '', applicationName: '' },
    },
    details: { message: 'Synced to 4f2a1c9', patch: '', actionType: 'sync' },
    count: 1,
    lastOccurredTimestamp: timestamp,
    ...overrides,
  };
}

/** A realistic week: several kinds of events, an exact-midnight one, a timestamp tie, an empty Wednesday. */
function weekEvents(): Event[][] {
  return [
    [
      event('01KA0M00000000000000000001', `${day(0)}T00:00:00.000Z`, {
        instanceId: null,
        action: 'create',
        object: {
          type: 'member',
          id: { name: 'bob@example.com', kind: '', group: '' },
          parentId: { name: '', parentName: '', applicationName: '' },
        },
        details: { message: 'Invited bob@example.com as admin', patch: '', actionType: '', role: 'admin' },
      }),
      event('01KA0M00000000000000000002', `${day(0)}T10:15:30.123Z`),
      // Same instant as the next one: the id breaks the tie.
      event('01KA0M00000000000000000003', `${day(0)}T10:15:31.000Z`, {
        action: 'delete',
        details: { message: 'Deleted "old-app" — ünïcödé ✓', patch: '{"spec":null}', actionType: 'delete' },
      }),
      event('01KA0M00000000000000000004', `${day(0)}T10:15:31.000Z`, { actor: { type: 'api_key', id: 'key_ci', ip: '2001:db8::1' } }),
    ],
    [
      event('01KA0M00000000000000000005', `${day(1)}T08:00:00.000Z`, {
        object: {
          type: 'kargo_promotion',
          id: { name: 'prod-4f2a1c9', kind: 'Promotion', group: 'kargo.akuity.io' },
          parentId: { name: 'kargo-prod', parentName: 'guestbook', applicationName: '' },
        },
        details: { message: 'Promoted freight 4f2a1c9 to prod', patch: '', actionType: 'promote', freight: '4f2a1c9' },
      }),
      event('01KA0M00000000000000000006', `${day(1)}T23:59:59.999Z`, { count: 3 }),
    ],
    [],
    [
      event('01KA0M00000000000000000007', `${day(3)}T12:00:00.000Z`, {
        action: 'login',
        object: {
          type: 'organization',
          id: { name: 'acme', kind: '', group: '' },
          parentId: { name: '', parentName: '', applicationName: '' },
        },
      }),
    ],
    [
      event('01KA0M00000000000000000008', `${day(4)}T09:30:00.500Z`),
      event('01KA0M00000000000000000009', `${day(4)}T17:45:12.001Z`, { action: 'sync' }),
    ],
    [event('01KA0M0000000000000000000A', `${day(5)}T03:03:03.003Z`)],
    [
      event('01KA0M0000000000000000000B', `${day(6)}T21:00:00.000Z`, {
        details: { message: 'line one\nline two\t"tabbed"', patch: '', actionType: 'note' },
      }),
    ],
  ];
}
const TOTAL_EVENTS = weekEvents().flat().length;

/** The day-file rule (docs/verifying-archives.md). */
function dayFileText(events: readonly unknown[]): string {
  return events.length === 0 ? '[]\n' : `[\n${events.map((item) => JSON.stringify(item)).join(',\n')}\n]\n`;
}

function dayFiles(days: readonly (readonly unknown[])[] = weekEvents()): DayFiles {
  return days.map((events, index) => [WEEK_NAMES[index] ?? `extra-${index}.json`, encoder.encode(dayFileText(events))]);
}

function buildZip(files: DayFiles): Uint8Array {
  return zipSync(Object.fromEntries(files), { level: 6, mtime: MTIME });
}

/** The same files through fflate's streaming Zip/ZipDeflate, as a bounded-memory writer does (data descriptors). */
function buildStreamingZip(files: DayFiles): Uint8Array {
  const chunks: Uint8Array[] = [];
  const zip = new Zip((error, chunk) => {
    if (error) throw error;
    chunks.push(chunk);
  });
  for (const [name, bytes] of files) {
    const entry = new ZipDeflate(name, { level: 6 });
    entry.mtime = MTIME;
    zip.add(entry);
    entry.push(bytes, true);
  }
  zip.end();
  const out = new Uint8Array(chunks.reduce((total, chunk) => total + chunk.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

async function sha256(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new Uint8Array(bytes)));
  return [...digest].map((byte) => byte.toString(16).padStart(2, '0')).join('');
}

function countRecords(bytes: Uint8Array): number {
  const parsed: unknown = JSON.parse(new TextDecoder().decode(bytes));
  return Array.isArray(parsed) ? parsed.length : 0;
}

async function makeManifest(
  zip: Uint8Array,
  files: DayFiles,
  options: { startDate?: string; revision?: number; generatedAt?: string; previous?: string | null } = {},
): Promise<Manifest> {
  const startDate = options.startDate ?? WEEK;
  const described = await Promise.all(
    files.map(async ([name, bytes]) => ({ name, sha256: await sha256(bytes), records: countRecords(bytes) })),
  );
  return {
    version: 1,
    organizationId: ORG,
    startDate,
    endDate: new Date(Date.parse(`${startDate}T00:00:00Z`) + 6 * DAY_MS).toISOString().slice(0, 10),
    revision: options.revision ?? 1,
    generatedAt: options.generatedAt ?? '2026-11-30T00:31:07.412Z',
    archive: { sha256: await sha256(zip), bytes: zip.length, records: described.reduce((total, file) => total + file.records, 0) },
    files: described,
    previousManifestSha256: options.previous ?? null,
  };
}

const manifestBytes = (manifest: Manifest): Uint8Array => encoder.encode(`${JSON.stringify(manifest, null, 2)}\n`);

async function newKeyPair(): Promise<KeyPair> {
  const pair = await crypto.subtle.generateKey('Ed25519', true, ['sign', 'verify']);
  if (!('privateKey' in pair)) throw new Error('expected a key pair');
  const exported = await crypto.subtle.exportKey('spki', pair.publicKey);
  if (!(exported instanceof ArrayBuffer)) throw new Error('expected DER');
  const der = new Uint8Array(exported);
  const base64 = btoa(String.fromCharCode(...der));
  const lines = base64.match(/.{1,64}/g) ?? [];
  return { privateKey: pair.privateKey, der, publicKeyPem: `-----BEGIN PUBLIC KEY-----\n${lines.join('\n')}\n-----END PUBLIC KEY-----\n` };
}

async function sign(bytes: Uint8Array, keys: KeyPair): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.sign('Ed25519', keys.privateKey, new Uint8Array(bytes)));
}

const KEYS = await newKeyPair();
const OTHER_KEYS = await newKeyPair();

/**
 * A signed archive of `files` (default: the valid week). `edit` may change the manifest before it
 * is serialised and signed, so the manifest is consistent and only what the edit broke can fail.
 */
async function buildArchive(
  options: {
    files?: DayFiles;
    zip?: Uint8Array;
    edit?: (manifest: Manifest) => void;
    manifest?: { revision?: number; generatedAt?: string; previous?: string | null; startDate?: string };
  } = {},
): Promise<Archive> {
  const files = options.files ?? dayFiles();
  const zip = options.zip ?? buildZip(files);
  const manifestObject = await makeManifest(zip, files, options.manifest);
  options.edit?.(manifestObject);
  const manifest = manifestBytes(manifestObject);
  return { zip, manifest, signature: await sign(manifest, KEYS), publicKeyPem: KEYS.publicKeyPem, manifestObject };
}

function flipByte(bytes: Uint8Array, position: number, mask = 0x01): Uint8Array {
  const copy = new Uint8Array(bytes);
  copy[position] = (copy[position] ?? 0) ^ mask;
  return copy;
}

const withoutManifest = (archive: Archive) => ({ zip: archive.zip });

/** Asserts that verification failed with at least one problem matching each pattern. */
function expectProblems(report: Pick<VerifyReport, 'ok' | 'problems'>, ...patterns: RegExp[]): void {
  expect(report.ok).toBe(false);
  for (const pattern of patterns)
    expect(report.problems, `no problem matches ${pattern}`).toEqual(expect.arrayContaining([expect.stringMatching(pattern)]));
}

/** Asserts that verification failed with exactly these problems (one pattern each, in order). */
function expectOnlyProblems(report: VerifyReport, ...patterns: RegExp[]): void {
  expect(report.ok).toBe(false);
  expect(report.problems, report.problems.join('\n')).toHaveLength(patterns.length);
  for (const [index, pattern] of patterns.entries()) expect(report.problems[index]).toMatch(pattern);
}

// ZIP layout, read here only to aim the byte flips.
const u16 = (bytes: Uint8Array, offset: number) => new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint16(offset, true);
const u32 = (bytes: Uint8Array, offset: number) => new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(offset, true);
const endRecord = (zip: Uint8Array) => zip.length - 22; // no comment
function centralRecord(zip: Uint8Array, index: number): number {
  let offset = u32(zip, endRecord(zip) + 16);
  for (let current = 0; current < index; current += 1) offset += 46 + u16(zip, offset + 28) + u16(zip, offset + 30) + u16(zip, offset + 32);
  return offset;
}
function localHeader(zip: Uint8Array, index: number): number {
  return u32(zip, centralRecord(zip, index) + 42);
}
function compressedData(zip: Uint8Array, index: number): { start: number; length: number } {
  const local = localHeader(zip, index);
  return { start: local + 30 + u16(zip, local + 26) + u16(zip, local + 28), length: u32(zip, centralRecord(zip, index) + 20) };
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

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

describe('verifyArchive: day files', () => {
  it('fails when one byte of a day file changes (re-zipped, so the ZIP itself is sound), naming the file in the manifest', async () => {
    const archive = await buildArchive();
    const files = dayFiles();
    const monday = files[0];
    if (!monday) throw new Error('no Monday');
    const text = new TextDecoder().decode(monday[1]);
    expect(text).toContain('"alice@example.com"');
    monday[1] = encoder.encode(text.replace('"alice@example.com"', '"alicf@example.com"'));
    const report = await verifyArchive({ ...archive, zip: buildZip(files) });
    expectProblems(report, /^manifest\.archive\.sha256: the ZIP's sha256 is/);
    // Apart from the archive's own hash (and maybe size), only that file's hash is wrong: it is still well-formed.
    expect(report.problems.filter((problem) => !/^manifest\.archive\.(sha256|bytes):/.test(problem))).toEqual([
      expect.stringMatching(
        /^manifest\.files\[0\]\.sha256 \(2026-11-23\.json\): the file's sha256 is [0-9a-f]{64}, the manifest says "[0-9a-f]{64}"$/,
      ),
    ]);
  });

  it('fails on any formatting change, even with a manifest that matches it', async () => {
    const files = dayFiles();
    const monday = files[0];
    if (!monday) throw new Error('no Monday');
    // "\r" is JSON whitespace: the file still parses, only the byte-exact rule catches it.
    monday[1] = encoder.encode(new TextDecoder().decode(monday[1]).replace(',\n', ',\r'));
    const report = await verifyArchive(await buildArchive({ files }));
    expectOnlyProblems(
      report,
      /^2026-11-23\.json: not in the exact day-file format .*first difference at byte \d+ \(line 2\): expected …".*\\n.*"…, found …".*\\r.*"…/,
    );

    const spaced = dayFiles();
    const friday = spaced[4];
    if (!friday) throw new Error('no Friday');
    friday[1] = encoder.encode(`${JSON.stringify(JSON.parse(new TextDecoder().decode(friday[1])), null, 2)}\n`);
    expectOnlyProblems(await verifyArchive(await buildArchive({ files: spaced })), /^2026-11-27\.json: not in the exact day-file format/);

    const emptyButSpaced = dayFiles();
    emptyButSpaced[2] = ['2026-11-25.json', encoder.encode('[ ]\n')];
    expectOnlyProblems(
      await verifyArchive(await buildArchive({ files: emptyButSpaced })),
      /^2026-11-25\.json: not in the exact day-file format/,
    );
  });

  it('fails when two events are swapped', async () => {
    const days = weekEvents();
    const monday = days[0] ?? [];
    [monday[1], monday[2]] = [monday[2] as Event, monday[1] as Event];
    const report = await verifyArchive(await buildArchive({ files: dayFiles(days) }));
    expectOnlyProblems(
      report,
      /^2026-11-23\.json line 4 \(event 01KA0M00000000000000000002\): out of order — it must come before line 3 \(event 01KA0M00000000000000000003\)/,
    );
    expect(report.checks).toContainEqual(expect.stringMatching(/^ZIP structure: 7 entries/)); // the ZIP itself is fine
  });

  it('fails when two events at the same instant are not ordered by id', async () => {
    const days = weekEvents();
    const monday = days[0] ?? [];
    [monday[2], monday[3]] = [monday[3] as Event, monday[2] as Event];
    expectOnlyProblems(
      await verifyArchive(await buildArchive({ files: dayFiles(days) })),
      /^2026-11-23\.json line 5 \(event 01KA0M00000000000000000003\): out of order/,
    );
  });

  it("fails when an event lies outside its file's UTC day, including exactly at the next midnight", async () => {
    const days = weekEvents();
    days[0]?.push(event('01KA0M0000000000000000000C', `${day(1)}T00:00:00.000Z`));
    days[6]?.unshift(event('01KA0M0000000000000000000D', `${day(5)}T23:59:59.999Z`));
    const report = await verifyArchive(await buildArchive({ files: dayFiles(days) }));
    expectOnlyProblems(
      report,
      /^2026-11-23\.json line 6 \(event 01KA0M0000000000000000000C\): timestamp 2026-11-24T00:00:00\.000Z is outside the file's day 2026-11-23/,
      /^2026-11-29\.json line 2 \(event 01KA0M0000000000000000000D\): timestamp 2026-11-28T23:59:59\.999Z is outside the file's day 2026-11-29/,
    );
  });

  it('fails when an id repeats within the archive', async () => {
    const days = weekEvents();
    days[5]?.push(event('01KA0M00000000000000000002', `${day(5)}T04:00:00.000Z`));
    expectOnlyProblems(
      await verifyArchive(await buildArchive({ files: dayFiles(days) })),
      /^2026-11-28\.json line 3 \(event 01KA0M00000000000000000002\): duplicate id, already at 2026-11-23\.json line 3$/,
    );
  });

  it("fails when an event belongs to another organization (the manifest's, or else the first event's)", async () => {
    const days = weekEvents();
    const stray = days[3]?.[0];
    if (!stray) throw new Error('no Thursday event');
    stray.organizationId = 'org_someone_else';
    const archive = await buildArchive({ files: dayFiles(days) });
    const pattern =
      /^2026-11-26\.json line 2 \(event 01KA0M00000000000000000007\): organizationId is "org_someone_else", expected "org_01JDX6Q8Z3V4K2M9R7T5W1Y0AB"$/;
    expectOnlyProblems(await verifyArchive(archive), pattern);
    expectOnlyProblems(await verifyArchive(withoutManifest(archive)), pattern);
  });

  it('fails on events that do not have the event shape', async () => {
    const days: unknown[][] = weekEvents();
    const broken: Record<string, unknown> = {
      ...event('01KA0M0000000000000000000E', `${day(4)}T20:00:00.000Z`),
      count: 0,
      actor: { type: 'user', id: 'x' },
      surprise: true,
    };
    days[4]?.push(broken);
    const report = await verifyArchive(await buildArchive({ files: dayFiles(days) }));
    expectProblems(
      report,
      /^2026-11-27\.json line 4 \(event 01KA0M0000000000000000000E\): unexpected field surprise$/,
      /^2026-11-27\.json line 4 \(event 01KA0M0000000000000000000E\): actor\.ip must be a string, found missing$/,
      /^2026-11-27\.json line 4 \(event 01KA0M0000000000000000000E\): count must be a positive integer, found 0$/,
    );
    const notAnArray = dayFiles();
    notAnArray[1] = ['2026-11-24.json', encoder.encode('{"events":[]}\n')];
    expectProblems(await verifyArchive(await buildArchive({ files: notAnArray })), /^2026-11-24\.json: expected a JSON array of events/);
  });

  it('fails when a day is missing, naming it', async () => {
    const archive = await buildArchive();
    const zip = buildZip(dayFiles().slice(0, 6));
    expectProblems(
      await verifyArchive({ ...archive, zip }),
      /^ZIP: 6 entries, expected 7/,
      /^ZIP: missing entry 2026-11-29\.json$/,
      /^manifest\.archive\.sha256:/,
    );
    expectProblems(await verifyArchive({ zip }), /^ZIP: missing entry 2026-11-29\.json$/);
    const noMonday = buildZip(dayFiles().slice(1));
    expectProblems(await verifyArchive({ zip: noMonday }), /^ZIP: missing entry 2026-11-23\.json$/);
  });

  it('fails when there is an extra entry', async () => {
    const archive = await buildArchive();
    const withNotes = buildZip([...dayFiles(), ['notes.txt', encoder.encode('hello')]]);
    expectProblems(
      await verifyArchive({ ...archive, zip: withNotes }),
      /^ZIP: 8 entries, expected 7/,
      /^ZIP: unexpected entry "notes\.txt"/,
    );
    const withNextMonday = buildZip([...dayFiles(), ['2026-11-30.json', encoder.encode('[]\n')]]);
    expectProblems(await verifyArchive({ zip: withNextMonday }), /^ZIP: unexpected entry "2026-11-30\.json"/);
  });

  it('fails when the entries are out of order', async () => {
    const files = dayFiles();
    [files[0], files[1]] = [files[1] as DayFiles[number], files[0] as DayFiles[number]];
    expectProblems(
      await verifyArchive({ zip: buildZip(files) }),
      /^ZIP: entries out of order: 2026-11-24\.json, 2026-11-23\.json, .*; expected 2026-11-23\.json, 2026-11-24\.json/,
    );
  });
});

describe('verifyArchive: event fields added later (source, sourceKeyId, sequence, object.id.namespace, object.parentId.kargoProjectName)', () => {
  /** The valid week in the newer event shape: the three fields after lastOccurredTimestamp, sequences in commit order. */
  function newShapeDays(): Record<string, unknown>[][] {
    let sequence = 0;
    const nextSequence = () => {
      sequence += 1;
      return sequence;
    };
    return weekEvents().map((events) =>
      events.map((item, index) => ({
        ...item,
        object: {
          ...item.object,
          id: { ...item.object.id, namespace: 'argocd' },
          parentId: { ...item.object.parentId, kargoProjectName: index % 2 === 0 ? 'kargo-demo' : '' },
        },
        source: index % 2 === 0 ? 'ingest' : 'platform',
        sourceKeyId: index % 2 === 0 ? 'key_01KA0M0000000000000000CI' : null,
        sequence: nextSequence(),
      })),
    );
  }

  it('passes for an archive in the newer shape, and says its sequences are unique', async () => {
    const report = await verifyArchive(await buildArchive({ files: dayFiles(newShapeDays()) }));
    expect(report.problems).toEqual([]);
    expect(report.records).toBe(TOTAL_EVENTS);
    expect(report.checks).toContainEqual(
      expect.stringMatching(/^2026-11-23\.json: 4 events, .*unique ids, unique sequences, one organization$/),
    );
  });

  it('fails on wrong types of the newer fields, naming each', async () => {
    const days = newShapeDays();
    const monday = days[0] ?? [];
    Object.assign(monday[0] ?? {}, { source: 'cli', sourceKeyId: 7 });
    Object.assign(monday[1] ?? {}, { sequence: 0 });
    Object.assign(monday[2] ?? {}, { sequence: 2.5 });
    Object.assign(monday[3] ?? {}, {
      object: { ...event('x', `${day(0)}T00:00:00Z`).object, id: { name: 'a', kind: '', group: '', namespace: null } },
    });
    expectOnlyProblems(
      await verifyArchive(await buildArchive({ files: dayFiles(days) })),
      /^2026-11-23\.json line 2 \(event 01KA0M00000000000000000001\): source must be "platform" or "ingest", found "cli"$/,
      /^2026-11-23\.json line 2 \(event 01KA0M00000000000000000001\): sourceKeyId must be a string or null, found 7$/,
      /^2026-11-23\.json line 3 \(event 01KA0M00000000000000000002\): sequence must be a positive integer, found 0$/,
      /^2026-11-23\.json line 4 \(event 01KA0M00000000000000000003\): sequence must be a positive integer, found 2\.5$/,
      /^2026-11-23\.json line 5 \(event 01KA0M00000000000000000004\): object\.id\.namespace must be a string, found null$/,
    );
  });

  it('fails when a sequence repeats within the archive', async () => {
    const days = newShapeDays();
    Object.assign(days[6]?.[0] ?? {}, { sequence: 2 });
    expectOnlyProblems(
      await verifyArchive(await buildArchive({ files: dayFiles(days) })),
      /^2026-11-29\.json line 2 \(event 01KA0M0000000000000000000B\): duplicate sequence 2, already at 2026-11-23\.json line 3$/,
    );
  });
});

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
