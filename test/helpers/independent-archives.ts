/**
 * Single archives for the verifier's tests (verify-archive*.test.ts), built independently of any
 * archive writer: the day-file rule, the manifest and the signature are written straight from the
 * format in docs/verifying-archives.md, zipped with fflate at level 6 with a fixed mtime, and signed
 * with a key pair generated for each test file. Also the ZIP layout readers that aim byte flips,
 * and the assertions on a report's problems.
 */
import { Zip, ZipDeflate, zipSync } from 'fflate';
import { expect } from 'vitest';
import type { VerifyReport } from '../../worker/archive/verify/index.ts';

export const ORG = 'org_01JDX6Q8Z3V4K2M9R7T5W1Y0AB';
export const WEEK = '2026-11-23'; // a Monday
export const MTIME = new Date('2026-11-30T00:30:00Z');
export const DAY_MS = 86_400_000;
export const encoder = new TextEncoder();

export interface Manifest {
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

export interface Event {
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

export interface KeyPair {
  privateKey: CryptoKey;
  publicKeyPem: string;
  der: Uint8Array;
}

export interface Archive {
  zip: Uint8Array;
  manifest: Uint8Array;
  signature: Uint8Array;
  publicKeyPem: string;
  manifestObject: Manifest;
}

export type DayFiles = [name: string, bytes: Uint8Array][];

// ---------------------------------------------------------------------------------------------
// Building blocks
// ---------------------------------------------------------------------------------------------

export const day = (offset: number): string => new Date(Date.parse(`${WEEK}T00:00:00Z`) + offset * DAY_MS).toISOString().slice(0, 10);
export const WEEK_NAMES = Array.from({ length: 7 }, (_, offset) => `${day(offset)}.json`);

export function event(id: string, timestamp: string, overrides: Partial<Event> = {}): Event {
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
export function weekEvents(): Event[][] {
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
export const TOTAL_EVENTS = weekEvents().flat().length;

/** The day-file rule (docs/verifying-archives.md). */
export function dayFileText(events: readonly unknown[]): string {
  return events.length === 0 ? '[]\n' : `[\n${events.map((item) => JSON.stringify(item)).join(',\n')}\n]\n`;
}

export function dayFiles(days: readonly (readonly unknown[])[] = weekEvents()): DayFiles {
  return days.map((events, index) => [WEEK_NAMES[index] ?? `extra-${index}.json`, encoder.encode(dayFileText(events))]);
}

export function buildZip(files: DayFiles): Uint8Array {
  return zipSync(Object.fromEntries(files), { level: 6, mtime: MTIME });
}

/** The same files through fflate's streaming Zip/ZipDeflate, as a bounded-memory writer does (data descriptors). */
export function buildStreamingZip(files: DayFiles): Uint8Array {
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

export async function sha256(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new Uint8Array(bytes)));
  return [...digest].map((byte) => byte.toString(16).padStart(2, '0')).join('');
}

export function countRecords(bytes: Uint8Array): number {
  const parsed: unknown = JSON.parse(new TextDecoder().decode(bytes));
  return Array.isArray(parsed) ? parsed.length : 0;
}

export async function makeManifest(
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

export const manifestBytes = (manifest: Manifest): Uint8Array => encoder.encode(`${JSON.stringify(manifest, null, 2)}\n`);

export async function newKeyPair(): Promise<KeyPair> {
  const pair = await crypto.subtle.generateKey('Ed25519', true, ['sign', 'verify']);
  if (!('privateKey' in pair)) throw new Error('expected a key pair');
  const exported = await crypto.subtle.exportKey('spki', pair.publicKey);
  if (!(exported instanceof ArrayBuffer)) throw new Error('expected DER');
  const der = new Uint8Array(exported);
  const base64 = btoa(String.fromCharCode(...der));
  const lines = base64.match(/.{1,64}/g) ?? [];
  return { privateKey: pair.privateKey, der, publicKeyPem: `-----BEGIN PUBLIC KEY-----\n${lines.join('\n')}\n-----END PUBLIC KEY-----\n` };
}

export async function sign(bytes: Uint8Array, keys: KeyPair): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.sign('Ed25519', keys.privateKey, new Uint8Array(bytes)));
}

export const KEYS = await newKeyPair();
export const OTHER_KEYS = await newKeyPair();

/**
 * A signed archive of `files` (default: the valid week). `edit` may change the manifest before it
 * is serialised and signed, so the manifest is consistent and only what the edit broke can fail.
 */
export async function buildArchive(
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

export function flipByte(bytes: Uint8Array, position: number, mask = 0x01): Uint8Array {
  const copy = new Uint8Array(bytes);
  copy[position] = (copy[position] ?? 0) ^ mask;
  return copy;
}

export const withoutManifest = (archive: Archive) => ({ zip: archive.zip });

/** Asserts that verification failed with at least one problem matching each pattern. */
export function expectProblems(report: Pick<VerifyReport, 'ok' | 'problems'>, ...patterns: RegExp[]): void {
  expect(report.ok).toBe(false);
  for (const pattern of patterns)
    expect(report.problems, `no problem matches ${pattern}`).toEqual(expect.arrayContaining([expect.stringMatching(pattern)]));
}

/** Asserts that verification failed with exactly these problems (one pattern each, in order). */
export function expectOnlyProblems(report: VerifyReport, ...patterns: RegExp[]): void {
  expect(report.ok).toBe(false);
  expect(report.problems, report.problems.join('\n')).toHaveLength(patterns.length);
  for (const [index, pattern] of patterns.entries()) expect(report.problems[index]).toMatch(pattern);
}

// ZIP layout, read here only to aim the byte flips.
export const u16 = (bytes: Uint8Array, offset: number) =>
  new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint16(offset, true);
export const u32 = (bytes: Uint8Array, offset: number) =>
  new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(offset, true);
export const endRecord = (zip: Uint8Array) => zip.length - 22; // no comment
export function centralRecord(zip: Uint8Array, index: number): number {
  let offset = u32(zip, endRecord(zip) + 16);
  for (let current = 0; current < index; current += 1) offset += 46 + u16(zip, offset + 28) + u16(zip, offset + 30) + u16(zip, offset + 32);
  return offset;
}
export function localHeader(zip: Uint8Array, index: number): number {
  return u32(zip, centralRecord(zip, index) + 42);
}
export function compressedData(zip: Uint8Array, index: number): { start: number; length: number } {
  const local = localHeader(zip, index);
  return { start: local + 30 + u16(zip, local + 26) + u16(zip, local + 28), length: u32(zip, centralRecord(zip, index) + 20) };
}
