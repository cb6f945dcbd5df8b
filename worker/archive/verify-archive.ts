/**
 * Offline verifier of weekly archives (DESIGN §7): the ZIP, its seven day files, the manifest, the
 * manifest's Ed25519 signature and the manifests' hash chain.
 *
 * Runtime-agnostic on purpose: it runs in workerd (tests, and the Worker itself if it wants to
 * re-check an archive) and in Node 22 (`scripts/verify.ts`, type-stripped). So it uses only fflate
 * and WebCrypto (`crypto.subtle`, `TextEncoder`/`TextDecoder`, `atob`): no `node:` modules, no
 * Buffer, and no relative imports (Node resolves `.ts` specifiers, the Worker bundle extensionless
 * ones; with none, both load this file as is). It also uses only erasable TypeScript syntax.
 *
 * ZIP reading. The whole archive is in memory anyway (its sha256 is part of the check), so we use
 * fflate's `unzipSync`, which follows the central directory, rather than the streaming `Unzip`,
 * which walks local headers in arrival order and suits data that is still arriving. Its `filter`
 * lets us inflate one entry per call (so an inflate error is pinned to its entry instead of
 * aborting all of them) and refuse entries we don't want to inflate at all: names that are not day
 * files, and entries whose declared size is over `maxEntryBytes` (a zip bomb would otherwise get a
 * buffer of the size its central directory claims). fflate checks neither CRC-32 nor local headers,
 * so `readZipStructure` below walks the end record, the central directory and every local header
 * (and data descriptor, which the streaming writer emits) itself, and every inflated entry is
 * checked against its CRC-32 and size: a flipped byte anywhere in the ZIP is reported even when no
 * manifest is given.
 */
import { unzipSync } from 'fflate';

export interface VerifyArchiveInput {
  /** The ZIP's exact bytes. */
  zip: Uint8Array;
  /** The manifest's exact bytes (`<startDate>.manifest.json`). Without it only the ZIP's own consistency is checked. */
  manifest?: Uint8Array;
  /** The raw 64-byte Ed25519 signature over the manifest bytes (`<startDate>.sig`). */
  signature?: Uint8Array;
  /** SPKI PEM (`-----BEGIN PUBLIC KEY-----`) of the archive signing key. */
  publicKeyPem?: string;
  /** Entries whose declared uncompressed size is larger are not inflated (default 256 MiB). */
  maxEntryBytes?: number;
}

export interface VerifyReport {
  /** True when there is no problem. Notes do not make a report fail. */
  ok: boolean;
  /** Every mismatch found, each naming the file/field with expected vs actual. */
  problems: string[];
  /** What was checked and passed, human readable. */
  checks: string[];
  /** What was not checked and why (no manifest, no public key, …). Informational. */
  notes: string[];
  /** Events found in the day files that could be parsed. */
  records: number;
}

export interface ChainReport {
  ok: boolean;
  problems: string[];
  checks: string[];
  /** Informational, e.g. "chain starts outside the given manifests". */
  notes: string[];
}

/** The manifest as DESIGN §7 defines it. */
export interface ArchiveManifest {
  version: 1;
  organizationId: string;
  startDate: string;
  endDate: string;
  revision: number;
  generatedAt: string;
  archive: { sha256: string; bytes: number; records: number };
  files: { name: string; sha256: string; records: number }[];
  previousManifestSha256: string | null;
}

const DAY_MS = 86_400_000;
const DEFAULT_MAX_ENTRY_BYTES = 256 * 1024 * 1024;
/** At most this many problems per day file (or per chain) are listed; the rest are counted. */
const MAX_PROBLEMS_PER_FILE = 20;
const SHA256_HEX = /^[0-9a-f]{64}$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const MANIFEST_KEYS = [
  'version',
  'organizationId',
  'startDate',
  'endDate',
  'revision',
  'generatedAt',
  'archive',
  'files',
  'previousManifestSha256',
];
const EVENT_KEYS = [
  'id',
  'organizationId',
  'instanceId',
  'timestamp',
  'action',
  'actor',
  'object',
  'details',
  'count',
  'lastOccurredTimestamp',
];

const encoder = new TextEncoder();
/** For messages only: never throws, keeps a BOM visible. */
const lenientDecoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

// ---------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------

type JsonObject = Record<string, unknown>;

const isObject = (value: unknown): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);

function describeValue(value: unknown): string {
  if (value === undefined) return 'missing';
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}…` : text;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** WebCrypto wants an ArrayBuffer-backed view; copy only when the input is backed by something else. */
function bufferSource(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : new Uint8Array(bytes);
}

function toHex(bytes: Uint8Array): string {
  let hex = '';
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0');
  return hex;
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  return toHex(new Uint8Array(await crypto.subtle.digest('SHA-256', bufferSource(bytes))));
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let index = 0; index < a.length; index += 1) if (a[index] !== b[index]) return false;
  return true;
}

/** UTF-8 decode that reports invalid bytes and keeps a BOM (so it is seen as a difference). */
function decodeUtf8(bytes: Uint8Array): string | Error {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch (error) {
    return new Error(`not valid UTF-8 (${errorMessage(error)})`);
  }
}

/** Describes where `actual` first differs from `expected`: byte offset, line, and both snippets. */
function describeDifference(expected: Uint8Array, actual: Uint8Array): string {
  const shortest = Math.min(expected.length, actual.length);
  let offset = 0;
  while (offset < shortest && expected[offset] === actual[offset]) offset += 1;
  let line = 1;
  for (let index = 0; index < offset; index += 1) if (actual[index] === 0x0a) line += 1;
  const snippet = (bytes: Uint8Array) => {
    const text = lenientDecoder.decode(bytes.subarray(Math.max(0, offset - 20), offset + 30));
    return JSON.stringify(text);
  };
  return `first difference at byte ${offset} (line ${line}): expected …${snippet(expected)}…, found …${snippet(actual)}… (${expected.length} vs ${actual.length} bytes)`;
}

/** `YYYY-MM-DD` → UTC midnight in ms, or null when it is not a real calendar date. */
function parseDate(text: string): number | null {
  const match = DATE.exec(text);
  if (!match) return null;
  const [, year, month, day] = match;
  const ms = Date.UTC(Number(year), Number(month) - 1, Number(day));
  return new Date(ms).toISOString().slice(0, 10) === text ? ms : null;
}

const formatDate = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
const isMonday = (ms: number): boolean => new Date(ms).getUTCDay() === 1;
/** The Monday of the ISO week holding `ms`. */
const mondayOf = (ms: number): number => ms - ((new Date(ms).getUTCDay() + 6) % 7) * DAY_MS;
const weekNames = (mondayMs: number): string[] => Array.from({ length: 7 }, (_, day) => `${formatDate(mondayMs + day * DAY_MS)}.json`);

/** An RFC 3339 timestamp → ms, or null. */
function parseTimestamp(value: unknown): number | null {
  if (typeof value !== 'string' || !RFC3339.test(value)) return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : ms;
}

/** The exact day-file bytes for these events (DESIGN §7, one event per line). */
function serializeDayFile(events: readonly unknown[]): string {
  if (events.length === 0) return '[]\n';
  return `[\n${events.map((event) => JSON.stringify(event)).join(',\n')}\n]\n`;
}

/** Collects problems of one scope, listing at most `limit` and counting the rest. */
class LimitedList {
  readonly items: string[] = [];
  private dropped = 0;
  private readonly limit: number;
  constructor(limit: number) {
    this.limit = limit;
  }
  add(item: string): void {
    if (this.items.length < this.limit) this.items.push(item);
    else this.dropped += 1;
  }
  get count(): number {
    return this.items.length + this.dropped;
  }
  flushInto(target: string[], scope: string): void {
    target.push(...this.items);
    if (this.dropped > 0) target.push(`${scope}: … and ${this.dropped} more problems not listed`);
  }
}

// ---------------------------------------------------------------------------------------------
// Public key
// ---------------------------------------------------------------------------------------------

/** SPKI PEM (`-----BEGIN PUBLIC KEY-----`) → DER bytes. Throws on anything else. */
export function spkiPemToDer(pem: string): Uint8Array<ArrayBuffer> {
  const match = /-----BEGIN PUBLIC KEY-----([\s\S]*?)-----END PUBLIC KEY-----/.exec(pem);
  if (!match) throw new Error('not an SPKI PEM public key (no "-----BEGIN PUBLIC KEY-----" … "-----END PUBLIC KEY-----" block)');
  const base64 = (match[1] ?? '').replace(/\s+/g, '');
  if (base64.length === 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(base64) || base64.length % 4 !== 0) {
    throw new Error('the PEM body is not valid base64');
  }
  const binary = atob(base64);
  const der = new Uint8Array(binary.length);
  for (let index = 0; index < binary.length; index += 1) der[index] = binary.charCodeAt(index);
  return der;
}

// ---------------------------------------------------------------------------------------------
// ZIP structure (what fflate does not check)
// ---------------------------------------------------------------------------------------------

interface ZipEntry {
  /** Position in the central directory. */
  index: number;
  name: string;
  flags: number;
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  /** DOS date and time, as one 32-bit field. */
  modified: number;
  localOffset: number;
  /** False when the local header is missing or its data overruns; such an entry is not inflated. */
  localOk: boolean;
}

interface ZipStructure {
  entries: ZipEntry[];
  /** False when the directory is too broken to hand to the inflater. */
  readable: boolean;
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n += 1) {
    let c = n;
    for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = (CRC_TABLE[(crc ^ byte) & 0xff] ?? 0) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

const hex32 = (value: number): string => `0x${value.toString(16).padStart(8, '0')}`;

/**
 * Walks the end-of-central-directory record, the central directory, each local header and data
 * descriptor; reports every inconsistency and any byte not accounted for. No ZIP64 (a weekly
 * archive that fits in memory never needs it).
 */
function readZipStructure(zip: Uint8Array, problems: string[]): ZipStructure {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const u16 = (offset: number) => view.getUint16(offset, true);
  const u32 = (offset: number) => view.getUint32(offset, true);
  const broken = (message: string): ZipStructure => {
    problems.push(`ZIP: ${message}`);
    return { entries: [], readable: false };
  };

  if (zip.length < 22) return broken(`not a ZIP archive (${zip.length} bytes, too short for an end-of-central-directory record)`);
  let eocd = -1;
  for (let offset = zip.length - 22; offset >= Math.max(0, zip.length - 22 - 0xffff); offset -= 1) {
    if (u32(offset) === 0x06054b50) {
      eocd = offset;
      break;
    }
  }
  if (eocd < 0) return broken('not a ZIP archive (no end-of-central-directory record)');
  const commentLength = u16(eocd + 20);
  if (eocd + 22 + commentLength !== zip.length) {
    problems.push(
      `ZIP: end-of-central-directory record at byte ${eocd} declares a ${commentLength}-byte comment but ${zip.length - eocd - 22} bytes follow it`,
    );
  } else if (commentLength > 0) problems.push(`ZIP: unexpected ${commentLength}-byte archive comment`);
  const [disk, cdDisk, entriesOnDisk, entryCount] = [u16(eocd + 4), u16(eocd + 6), u16(eocd + 8), u16(eocd + 10)];
  const cdSize = u32(eocd + 12);
  const cdOffset = u32(eocd + 16);
  if (entryCount === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) return broken('ZIP64 archives are not supported');
  if (disk !== 0 || cdDisk !== 0 || entriesOnDisk !== entryCount) {
    problems.push(
      `ZIP: inconsistent end record (disk ${disk}, central directory disk ${cdDisk}, ${entriesOnDisk} entries on this disk, ${entryCount} in total; expected 0, 0 and equal counts)`,
    );
  }
  if (cdOffset + cdSize !== eocd) {
    return broken(
      `central directory (offset ${cdOffset} + size ${cdSize} = ${cdOffset + cdSize}) does not end where the end record starts (byte ${eocd})`,
    );
  }

  const entries: ZipEntry[] = [];
  const names = new Map<ZipEntry, Uint8Array>();
  let offset = cdOffset;
  for (let index = 0; index < entryCount; index += 1) {
    if (offset + 46 > eocd || u32(offset) !== 0x02014b50) {
      return broken(`central directory record ${index + 1} of ${entryCount} (byte ${offset}) is missing or has a bad signature`);
    }
    const nameLength = u16(offset + 28);
    const recordEnd = offset + 46 + nameLength + u16(offset + 30) + u16(offset + 32);
    if (recordEnd > eocd) return broken(`central directory record ${index + 1} (byte ${offset}) runs past the directory`);
    const nameBytes = zip.subarray(offset + 46, offset + 46 + nameLength);
    const entry: ZipEntry = {
      index,
      name: lenientDecoder.decode(nameBytes),
      flags: u16(offset + 8),
      method: u16(offset + 10),
      crc: u32(offset + 16),
      compressedSize: u32(offset + 20),
      size: u32(offset + 24),
      modified: u32(offset + 12),
      localOffset: u32(offset + 42),
      localOk: false,
    };
    entries.push(entry);
    names.set(entry, nameBytes);
    offset = recordEnd;
  }
  if (offset !== eocd) problems.push(`ZIP: ${eocd - offset} unexpected bytes at the end of the central directory`);

  let cursor = 0;
  for (const entry of [...entries].sort((a, b) => a.localOffset - b.localOffset)) {
    const label = `ZIP entry ${describeValue(entry.name)}`;
    if (entry.flags & 0x0001) problems.push(`${label}: is encrypted`);
    if (entry.method !== 0 && entry.method !== 8)
      problems.push(`${label}: unsupported compression method ${entry.method} (expected 8, deflate)`);
    if (entry.localOffset > cursor)
      problems.push(
        `${label}: ${entry.localOffset - cursor} unexpected bytes before its local header (bytes ${cursor}–${entry.localOffset - 1})`,
      );
    else if (entry.localOffset < cursor)
      problems.push(`${label}: local header at byte ${entry.localOffset} overlaps the previous entry (which ends at byte ${cursor})`);
    const local = entry.localOffset;
    if (local + 30 > cdOffset || u32(local) !== 0x04034b50) {
      problems.push(`${label}: no local file header at byte ${local} (bad signature)`);
      continue;
    }
    const localNameLength = u16(local + 26);
    const dataStart = local + 30 + localNameLength + u16(local + 28);
    const dataEnd = dataStart + entry.compressedSize;
    const localName = zip.subarray(local + 30, Math.min(local + 30 + localNameLength, zip.length));
    const centralName = names.get(entry) ?? new Uint8Array();
    if (!bytesEqual(localName, centralName)) {
      problems.push(`${label}: local header name ${describeValue(lenientDecoder.decode(localName))} differs from the central directory's`);
    }
    const compare = (field: string, localValue: number, centralValue: number, format: (value: number) => string = String) => {
      if (localValue !== centralValue)
        problems.push(`${label}: local header ${field} ${format(localValue)} differs from the central directory's ${format(centralValue)}`);
    };
    compare('flags', u16(local + 6), entry.flags, hex32);
    compare('compression method', u16(local + 8), entry.method);
    compare('modification time', u32(local + 10), entry.modified, hex32);
    if (dataEnd > cdOffset) {
      problems.push(`${label}: data (bytes ${dataStart}–${dataEnd - 1}) runs into the central directory at byte ${cdOffset}`);
      continue;
    }
    entry.localOk = true;
    cursor = dataEnd;
    const [localCrc, localCompressed, localSize] = [u32(local + 14), u32(local + 18), u32(local + 22)];
    if (entry.flags & 0x0008) {
      // Streaming writers leave these zero in the local header and write a data descriptor after the data.
      if (localCrc !== 0 || localCompressed !== 0 || localSize !== 0) {
        compare('CRC-32', localCrc, entry.crc, hex32);
        compare('compressed size', localCompressed, entry.compressedSize);
        compare('size', localSize, entry.size);
      }
      const signed = dataEnd + 4 <= cdOffset && u32(dataEnd) === 0x08074b50;
      const descriptor = signed ? dataEnd + 4 : dataEnd;
      if (descriptor + 12 > cdOffset) {
        problems.push(`${label}: data descriptor after its data is missing`);
        continue;
      }
      const describe = (field: string, value: number, centralValue: number, format: (value: number) => string = String) => {
        if (value !== centralValue)
          problems.push(`${label}: data descriptor ${field} ${format(value)} differs from the central directory's ${format(centralValue)}`);
      };
      describe('CRC-32', u32(descriptor), entry.crc, hex32);
      describe('compressed size', u32(descriptor + 4), entry.compressedSize);
      describe('size', u32(descriptor + 8), entry.size);
      cursor = descriptor + 12;
    } else {
      compare('CRC-32', localCrc, entry.crc, hex32);
      compare('compressed size', localCompressed, entry.compressedSize);
      compare('size', localSize, entry.size);
    }
  }
  if (entries.every((entry) => entry.localOk) && cursor < cdOffset)
    problems.push(
      `ZIP: ${cdOffset - cursor} unexpected bytes between the last entry and the central directory (bytes ${cursor}–${cdOffset - 1})`,
    );
  return { entries, readable: true };
}

/** Inflates central-directory entry `index` alone with fflate, and checks its size and CRC-32. */
function inflateEntry(zip: Uint8Array, entry: ZipEntry, problems: string[]): Uint8Array | null {
  const label = `ZIP entry ${describeValue(entry.name)}`;
  let seen = 0;
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(zip, { filter: () => seen++ === entry.index });
  } catch (error) {
    problems.push(`${label}: cannot be inflated (${errorMessage(error)}) — the compressed data is corrupt`);
    return null;
  }
  const data = Object.values(files)[0];
  if (!data) {
    problems.push(`${label}: the unzipper did not return it`);
    return null;
  }
  if (data.length !== entry.size) {
    problems.push(
      `${label}: inflates to ${data.length} bytes, but the central directory says ${entry.size} — the compressed data is corrupt`,
    );
    return null;
  }
  const actualCrc = crc32(data);
  if (actualCrc !== entry.crc) {
    problems.push(
      `${label}: CRC-32 of the inflated data is ${hex32(actualCrc)}, the central directory says ${hex32(entry.crc)} — the data is corrupt`,
    );
    return null;
  }
  return data;
}

// ---------------------------------------------------------------------------------------------
// Day files
// ---------------------------------------------------------------------------------------------

interface DayFileResult {
  records: number;
  sha256: string;
}

interface ArchiveContext {
  /** The organization every event must belong to (the manifest's, else the first event's). */
  organizationId: string | null;
  /** id → where it was first seen. */
  ids: Map<string, string>;
}

function checkString(problems: LimitedList, where: string, field: string, value: unknown, nonEmpty = false): void {
  if (typeof value !== 'string') problems.add(`${where}: ${field} must be a string, found ${describeValue(value)}`);
  else if (nonEmpty && value.length === 0) problems.add(`${where}: ${field} must not be empty`);
}

function checkStringFields(
  problems: LimitedList,
  where: string,
  path: string,
  value: unknown,
  keys: readonly string[],
  exact: boolean,
): void {
  if (!isObject(value)) {
    problems.add(`${where}: ${path} must be an object, found ${describeValue(value)}`);
    return;
  }
  for (const key of keys) checkString(problems, where, `${path}.${key}`, value[key]);
  if (exact) {
    for (const key of Object.keys(value)) if (!keys.includes(key)) problems.add(`${where}: unexpected field ${path}.${key}`);
  }
}

/** Checks the shape of one event (DESIGN §5); returns its timestamp in ms when valid. */
function checkEventShape(problems: LimitedList, where: string, event: JsonObject): number | null {
  for (const key of Object.keys(event)) if (!EVENT_KEYS.includes(key)) problems.add(`${where}: unexpected field ${key}`);
  checkString(problems, where, 'id', event.id, true);
  checkString(problems, where, 'organizationId', event.organizationId, true);
  if (event.instanceId !== null) checkString(problems, where, 'instanceId', event.instanceId);
  checkString(problems, where, 'action', event.action, true);
  checkStringFields(problems, where, 'actor', event.actor, ['type', 'id', 'ip'], true);
  if (!isObject(event.object)) problems.add(`${where}: object must be an object, found ${describeValue(event.object)}`);
  else {
    for (const key of Object.keys(event.object))
      if (!['type', 'id', 'parentId'].includes(key)) problems.add(`${where}: unexpected field object.${key}`);
    checkString(problems, where, 'object.type', event.object.type);
    checkStringFields(problems, where, 'object.id', event.object.id, ['name', 'kind', 'group'], true);
    checkStringFields(problems, where, 'object.parentId', event.object.parentId, ['name', 'parentName', 'applicationName'], true);
  }
  checkStringFields(problems, where, 'details', event.details, ['message', 'patch', 'actionType'], false);
  if (typeof event.count !== 'number' || !Number.isInteger(event.count) || event.count < 1) {
    problems.add(`${where}: count must be a positive integer, found ${describeValue(event.count)}`);
  }
  if (parseTimestamp(event.lastOccurredTimestamp) === null) {
    problems.add(`${where}: lastOccurredTimestamp must be an RFC 3339 timestamp, found ${describeValue(event.lastOccurredTimestamp)}`);
  }
  const timestamp = parseTimestamp(event.timestamp);
  if (timestamp === null) problems.add(`${where}: timestamp must be an RFC 3339 timestamp, found ${describeValue(event.timestamp)}`);
  return timestamp;
}

/**
 * Checks one day file: byte-exact format, event shape, day window, (timestamp, id) order,
 * duplicate ids and organization. Problems go to `report.problems`.
 */
async function checkDayFile(
  name: string,
  dayStart: number,
  data: Uint8Array,
  context: ArchiveContext,
  report: VerifyReport,
): Promise<DayFileResult> {
  const result: DayFileResult = { records: 0, sha256: await sha256Hex(data) };
  const text = decodeUtf8(data);
  if (text instanceof Error) {
    report.problems.push(`${name}: ${text.message}`);
    return result;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    report.problems.push(`${name}: not valid JSON (${errorMessage(error)})`);
    return result;
  }
  if (!Array.isArray(parsed)) {
    report.problems.push(`${name}: expected a JSON array of events, found ${describeValue(parsed)}`);
    return result;
  }
  const events: unknown[] = parsed;
  result.records = events.length;
  const problems = new LimitedList(MAX_PROBLEMS_PER_FILE);

  const expectedBytes = encoder.encode(serializeDayFile(events));
  if (!bytesEqual(expectedBytes, data)) {
    problems.add(
      `${name}: not in the exact day-file format (one JSON.stringify'd event per line, "[\\n" … ",\\n" … "\\n]\\n"): ${describeDifference(expectedBytes, data)}`,
    );
  }

  const dayEnd = dayStart + DAY_MS;
  const day = formatDate(dayStart);
  let previous: { timestamp: number; id: string; line: number } | null = null;
  for (const [index, event] of events.entries()) {
    const line = index + 2;
    if (!isObject(event)) {
      problems.add(`${name} line ${line}: an event must be a JSON object, found ${describeValue(event)}`);
      previous = null;
      continue;
    }
    const id = typeof event.id === 'string' ? event.id : null;
    const where = `${name} line ${line}${id === null ? '' : ` (event ${id})`}`;
    const timestamp = checkEventShape(problems, where, event);

    if (typeof event.organizationId === 'string') {
      if (context.organizationId === null) context.organizationId = event.organizationId;
      else if (event.organizationId !== context.organizationId) {
        problems.add(
          `${where}: organizationId is ${describeValue(event.organizationId)}, expected ${describeValue(context.organizationId)}`,
        );
      }
    }
    if (id !== null) {
      const seenAt = context.ids.get(id);
      if (seenAt !== undefined) problems.add(`${where}: duplicate id, already at ${seenAt}`);
      else context.ids.set(id, `${name} line ${line}`);
    }
    if (timestamp !== null && (timestamp < dayStart || timestamp >= dayEnd)) {
      problems.add(
        `${where}: timestamp ${String(event.timestamp)} is outside the file's day ${day} (UTC, [${day}T00:00:00Z, ${formatDate(dayEnd)}T00:00:00Z))`,
      );
    }
    if (timestamp !== null && id !== null) {
      if (previous && (timestamp < previous.timestamp || (timestamp === previous.timestamp && id < previous.id))) {
        problems.add(
          `${where}: out of order — it must come before line ${previous.line} (event ${previous.id}); events are sorted ascending by (timestamp, id)`,
        );
      }
      previous = { timestamp, id, line };
    } else previous = null;
  }

  if (problems.count === 0) {
    report.checks.push(
      events.length === 0
        ? `${name}: empty day, exact bytes "[]\\n"`
        : `${name}: ${events.length} event${events.length === 1 ? '' : 's'}, exact day-file format, all within ${day} UTC, sorted by (timestamp, id), well-formed, unique ids, one organization`,
    );
  }
  problems.flushInto(report.problems, name);
  return result;
}

// ---------------------------------------------------------------------------------------------
// Manifest
// ---------------------------------------------------------------------------------------------

function checkKeys(problems: string[], where: string, value: JsonObject, keys: readonly string[]): void {
  for (const key of keys) if (!(key in value)) problems.push(`${where}: field ${key} is missing`);
  for (const key of Object.keys(value)) if (!keys.includes(key)) problems.push(`${where}: unexpected field ${key}`);
}

const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value) && value >= 0;

/** Parses and checks the manifest on its own (format, fields, types, week). */
function checkManifest(bytes: Uint8Array, report: VerifyReport): JsonObject | null {
  const text = decodeUtf8(bytes);
  if (text instanceof Error) {
    report.problems.push(`manifest: ${text.message}`);
    return null;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    report.problems.push(`manifest: not valid JSON (${errorMessage(error)})`);
    return null;
  }
  if (!isObject(parsed)) {
    report.problems.push(`manifest: expected a JSON object, found ${describeValue(parsed)}`);
    return null;
  }
  const problemsBefore = report.problems.length;
  const expectedBytes = encoder.encode(`${JSON.stringify(parsed, null, 2)}\n`);
  if (!bytesEqual(expectedBytes, bytes)) {
    report.problems.push(
      `manifest: not in the exact format JSON.stringify(manifest, null, 2) + "\\n": ${describeDifference(expectedBytes, bytes)}`,
    );
  }
  checkKeys(report.problems, 'manifest', parsed, MANIFEST_KEYS);
  if (parsed.version !== 1) report.problems.push(`manifest.version: expected 1, found ${describeValue(parsed.version)}`);
  if (typeof parsed.organizationId !== 'string' || parsed.organizationId.length === 0) {
    report.problems.push(`manifest.organizationId: expected a non-empty string, found ${describeValue(parsed.organizationId)}`);
  }
  const start = typeof parsed.startDate === 'string' ? parseDate(parsed.startDate) : null;
  if (start === null) report.problems.push(`manifest.startDate: expected a YYYY-MM-DD date, found ${describeValue(parsed.startDate)}`);
  else if (!isMonday(start)) report.problems.push(`manifest.startDate: ${String(parsed.startDate)} is not a Monday`);
  if (start !== null) {
    const expectedEnd = formatDate(start + 6 * DAY_MS);
    if (parsed.endDate !== expectedEnd)
      report.problems.push(`manifest.endDate: expected ${expectedEnd} (startDate + 6 days), found ${describeValue(parsed.endDate)}`);
  }
  if (typeof parsed.revision !== 'number' || !Number.isInteger(parsed.revision) || parsed.revision < 1) {
    report.problems.push(`manifest.revision: expected an integer ≥ 1, found ${describeValue(parsed.revision)}`);
  }
  if (parseTimestamp(parsed.generatedAt) === null)
    report.problems.push(`manifest.generatedAt: expected an RFC 3339 timestamp, found ${describeValue(parsed.generatedAt)}`);
  if (!isObject(parsed.archive)) report.problems.push(`manifest.archive: expected an object, found ${describeValue(parsed.archive)}`);
  else {
    checkKeys(report.problems, 'manifest.archive', parsed.archive, ['sha256', 'bytes', 'records']);
    if (typeof parsed.archive.sha256 !== 'string' || !SHA256_HEX.test(parsed.archive.sha256)) {
      report.problems.push(`manifest.archive.sha256: expected 64 lowercase hex digits, found ${describeValue(parsed.archive.sha256)}`);
    }
    if (!isCount(parsed.archive.bytes))
      report.problems.push(`manifest.archive.bytes: expected a non-negative integer, found ${describeValue(parsed.archive.bytes)}`);
    if (!isCount(parsed.archive.records))
      report.problems.push(`manifest.archive.records: expected a non-negative integer, found ${describeValue(parsed.archive.records)}`);
  }
  if (!Array.isArray(parsed.files))
    report.problems.push(`manifest.files: expected an array of 7 files, found ${describeValue(parsed.files)}`);
  else {
    if (parsed.files.length !== 7) report.problems.push(`manifest.files: expected 7 files, found ${parsed.files.length}`);
    let sum = 0;
    for (const [index, file] of (parsed.files as unknown[]).entries()) {
      const where = `manifest.files[${index}]`;
      if (!isObject(file)) {
        report.problems.push(`${where}: expected an object, found ${describeValue(file)}`);
        continue;
      }
      checkKeys(report.problems, where, file, ['name', 'sha256', 'records']);
      if (typeof file.name !== 'string') report.problems.push(`${where}.name: expected a string, found ${describeValue(file.name)}`);
      if (typeof file.sha256 !== 'string' || !SHA256_HEX.test(file.sha256))
        report.problems.push(`${where}.sha256: expected 64 lowercase hex digits, found ${describeValue(file.sha256)}`);
      if (!isCount(file.records))
        report.problems.push(`${where}.records: expected a non-negative integer, found ${describeValue(file.records)}`);
      else sum += file.records;
    }
    if (isObject(parsed.archive) && isCount(parsed.archive.records) && sum !== parsed.archive.records) {
      report.problems.push(`manifest.archive.records: ${parsed.archive.records}, but the files' records add up to ${sum}`);
    }
  }
  const previous = parsed.previousManifestSha256;
  if (previous !== null && (typeof previous !== 'string' || !SHA256_HEX.test(previous))) {
    report.problems.push(`manifest.previousManifestSha256: expected null or 64 lowercase hex digits, found ${describeValue(previous)}`);
  }
  if (report.problems.length === problemsBefore) {
    report.checks.push(
      `manifest: exact format, version 1, organization ${String(parsed.organizationId)}, week ${String(parsed.startDate)} (Monday) to ${String(parsed.endDate)}, revision ${String(parsed.revision)}, generated ${String(parsed.generatedAt)}`,
    );
  }
  return parsed;
}

async function checkSignature(input: VerifyArchiveInput, report: VerifyReport): Promise<void> {
  const { manifest, signature, publicKeyPem } = input;
  if (signature === undefined && publicKeyPem === undefined) {
    if (manifest !== undefined) report.notes.push('signature not checked: no signature and no public key given');
    return;
  }
  if (manifest === undefined) {
    report.problems.push('signature: a signature or public key was given but no manifest to verify it against');
    return;
  }
  if (signature === undefined) {
    report.problems.push('signature: a public key was given but no signature (<startDate>.sig) to check');
    return;
  }
  if (publicKeyPem === undefined) {
    report.notes.push('signature not checked: no public key given');
    return;
  }
  if (signature.length !== 64) {
    report.problems.push(`signature: expected a raw 64-byte Ed25519 signature, found ${signature.length} bytes`);
    return;
  }
  let key: CryptoKey;
  let fingerprint: string;
  try {
    const der = spkiPemToDer(publicKeyPem);
    fingerprint = (await sha256Hex(der)).slice(0, 16);
    key = await crypto.subtle.importKey('spki', der, { name: 'Ed25519' }, false, ['verify']);
  } catch (error) {
    report.problems.push(`public key: cannot be used as an Ed25519 SPKI key (${errorMessage(error)})`);
    return;
  }
  let valid = false;
  try {
    valid = await crypto.subtle.verify({ name: 'Ed25519' }, key, bufferSource(signature), bufferSource(manifest));
  } catch (error) {
    report.problems.push(`signature: verification failed with an error (${errorMessage(error)})`);
    return;
  }
  if (valid) report.checks.push(`signature: valid Ed25519 signature over the manifest's exact bytes (public key sha256 ${fingerprint}…)`);
  else
    report.problems.push(
      `signature: the Ed25519 signature does not match the manifest bytes under this public key (sha256 ${fingerprint}…) — the manifest was altered, the signature is wrong, or the key is not the signing key`,
    );
}

// ---------------------------------------------------------------------------------------------
// verifyArchive
// ---------------------------------------------------------------------------------------------

/**
 * Verifies one weekly archive. Never throws: anything wrong with the input, including corrupt
 * ZIP/JSON, is a problem in the report.
 */
export async function verifyArchive(input: VerifyArchiveInput): Promise<VerifyReport> {
  const report: VerifyReport = { ok: false, problems: [], checks: [], notes: [], records: 0 };
  try {
    await verifyInto(input, report);
  } catch (error) {
    report.problems.push(`verifier: unexpected error (${errorMessage(error)})`);
  }
  report.ok = report.problems.length === 0;
  return report;
}

async function verifyInto(input: VerifyArchiveInput, report: VerifyReport): Promise<void> {
  const { zip } = input;
  const maxEntryBytes = input.maxEntryBytes ?? DEFAULT_MAX_ENTRY_BYTES;
  const manifest = input.manifest === undefined ? null : checkManifest(input.manifest, report);
  if (input.manifest === undefined)
    report.notes.push('no manifest given: the ZIP was checked for internal consistency only, not against a signed manifest');
  await checkSignature(input, report);

  // ZIP structure.
  const problemsBeforeZip = report.problems.length;
  const structure = readZipStructure(zip, report.problems);
  const structureSound = report.problems.length === problemsBeforeZip;
  const names = structure.entries.map((entry) => entry.name);

  // The week: the manifest's, else the one the entries name.
  let monday: number | null = null;
  const manifestStart = manifest && typeof manifest.startDate === 'string' ? parseDate(manifest.startDate) : null;
  if (manifestStart !== null && isMonday(manifestStart)) monday = manifestStart;
  else if (structure.readable) {
    // No usable manifest: the ISO week most entries name (normally all seven, from a Monday).
    const votes = new Map<number, number>();
    for (const name of names) {
      const day = name.endsWith('.json') ? parseDate(name.slice(0, -5)) : null;
      if (day !== null) votes.set(mondayOf(day), (votes.get(mondayOf(day)) ?? 0) + 1);
    }
    const best = [...votes].sort(([weekA, a], [weekB, b]) => b - a || weekA - weekB)[0];
    if (best) monday = best[0];
    else
      report.problems.push(
        `ZIP: no entry is named YYYY-MM-DD.json, so the week is unknown (entries: ${names.map((name) => describeValue(name)).join(', ') || 'none'})`,
      );
  }
  const expectedNames = monday === null ? null : weekNames(monday);

  if (structure.readable && expectedNames) {
    const sameOrder = names.length === expectedNames.length && names.every((name, index) => name === expectedNames[index]);
    if (sameOrder)
      report.checks.push(`ZIP entries: exactly the 7 days ${expectedNames[0]} … ${expectedNames[6]}, Monday to Sunday, in order`);
    else {
      if (names.length !== 7) report.problems.push(`ZIP: ${names.length} entries, expected 7 (${expectedNames.join(', ')})`);
      for (const name of expectedNames) if (!names.includes(name)) report.problems.push(`ZIP: missing entry ${name}`);
      const counts = new Map<string, number>();
      for (const name of names) counts.set(name, (counts.get(name) ?? 0) + 1);
      for (const [name, count] of counts) {
        if (!expectedNames.includes(name))
          report.problems.push(
            `ZIP: unexpected entry ${describeValue(name)} (not a day of the week ${expectedNames[0]?.slice(0, 10)} to ${expectedNames[6]?.slice(0, 10)})`,
          );
        if (count > 1) report.problems.push(`ZIP: entry ${describeValue(name)} appears ${count} times`);
      }
      const known = names.filter((name) => expectedNames.includes(name));
      const knownExpected = expectedNames.filter((name) => names.includes(name));
      if (known.length === knownExpected.length && known.some((name, index) => name !== knownExpected[index])) {
        report.problems.push(`ZIP: entries out of order: ${known.join(', ')}; expected ${knownExpected.join(', ')}`);
      }
    }
  }

  // Inflate and check each day file.
  const context: ArchiveContext = {
    organizationId: manifest && typeof manifest.organizationId === 'string' ? manifest.organizationId : null,
    ids: new Map(),
  };
  const results = new Map<string, DayFileResult>();
  const structureCheckAt = report.checks.length;
  let inflatedAll = structure.readable;
  if (structure.readable) {
    for (const entry of structure.entries) {
      const dayStart = entry.name.endsWith('.json') ? parseDate(entry.name.slice(0, -5)) : null;
      const wanted = dayStart !== null && (expectedNames === null || expectedNames.includes(entry.name)) && !results.has(entry.name);
      if (!wanted || !entry.localOk) {
        inflatedAll = false;
        continue;
      }
      if (entry.size > maxEntryBytes) {
        report.problems.push(
          `ZIP entry ${describeValue(entry.name)}: declares ${entry.size} bytes uncompressed, over the ${maxEntryBytes}-byte limit; not inflated`,
        );
        inflatedAll = false;
        continue;
      }
      const data = inflateEntry(zip, entry, report.problems);
      if (data === null) {
        inflatedAll = false;
        continue;
      }
      const result = await checkDayFile(entry.name, dayStart, data, context, report);
      results.set(entry.name, result);
      report.records += result.records;
    }
  }
  if (structureSound && inflatedAll) {
    report.checks.splice(
      structureCheckAt,
      0,
      `ZIP structure: ${structure.entries.length} entries; end record, central directory, local headers${structure.entries.some((entry) => entry.flags & 0x0008) ? ', data descriptors' : ''} agree; no stray bytes; every entry inflates to its recorded size and CRC-32`,
    );
  }

  // Against the manifest.
  if (manifest) {
    const archive = isObject(manifest.archive) ? manifest.archive : null;
    const zipSha = await sha256Hex(zip);
    if (archive) {
      if (archive.sha256 === zipSha) report.checks.push(`archive sha256 ${zipSha} matches the manifest`);
      else
        report.problems.push(`manifest.archive.sha256: the ZIP's sha256 is ${zipSha}, the manifest says ${describeValue(archive.sha256)}`);
      if (archive.bytes === zip.length) report.checks.push(`archive size ${zip.length} bytes matches the manifest`);
      else
        report.problems.push(`manifest.archive.bytes: the ZIP is ${zip.length} bytes, the manifest says ${describeValue(archive.bytes)}`);
      if (structure.readable) {
        if (archive.records === report.records) report.checks.push(`archive records ${report.records} match the manifest`);
        else
          report.problems.push(
            `manifest.archive.records: the day files hold ${report.records} events${inflatedAll ? '' : ' (of the entries that could be read)'}, the manifest says ${describeValue(archive.records)}`,
          );
      }
    }
    if (Array.isArray(manifest.files) && expectedNames) {
      const files: unknown[] = manifest.files;
      for (const [index, name] of expectedNames.entries()) {
        const file = files[index];
        if (!isObject(file)) continue;
        const where = `manifest.files[${index}]`;
        if (file.name !== name) {
          report.problems.push(`${where}.name: expected ${name}, found ${describeValue(file.name)}`);
          continue;
        }
        const result = results.get(name);
        if (!result) continue;
        const fileProblems: string[] = [];
        if (file.sha256 !== result.sha256)
          fileProblems.push(
            `${where}.sha256 (${name}): the file's sha256 is ${result.sha256}, the manifest says ${describeValue(file.sha256)}`,
          );
        if (file.records !== result.records)
          fileProblems.push(
            `${where}.records (${name}): the file holds ${result.records} events, the manifest says ${describeValue(file.records)}`,
          );
        if (fileProblems.length === 0) report.checks.push(`${name}: sha256 and records (${result.records}) match the manifest`);
        report.problems.push(...fileProblems);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// verifyChain
// ---------------------------------------------------------------------------------------------

interface ChainLink {
  label: string;
  sha256: string;
  organizationId: string | null;
  startDate: string;
  revision: number | null;
  generatedAt: number;
  previous: string | null;
}

/**
 * Checks the hash chain of one organization's manifests (any weeks and revisions): ordered by
 * generatedAt, each previousManifestSha256 must be the sha256 of the exact bytes of the manifest
 * generated just before it; one organization; no fork (two manifests claiming the same
 * predecessor). The first one's predecessor may be null, or outside the given set (a note).
 * `labels` (e.g. file names) name the manifests in messages. Never throws.
 */
export async function verifyChain(manifests: readonly Uint8Array[], labels: readonly string[] = []): Promise<ChainReport> {
  const report: ChainReport = { ok: false, problems: [], checks: [], notes: [] };
  try {
    await verifyChainInto(manifests, labels, report);
  } catch (error) {
    report.problems.push(`chain: unexpected error (${errorMessage(error)})`);
  }
  report.ok = report.problems.length === 0;
  return report;
}

async function verifyChainInto(manifests: readonly Uint8Array[], labels: readonly string[], report: ChainReport): Promise<void> {
  const links: ChainLink[] = [];
  const byHash = new Map<string, ChainLink>();
  for (const [index, bytes] of manifests.entries()) {
    const given = labels[index] ?? `manifest #${index + 1}`;
    const text = decodeUtf8(bytes);
    let parsed: unknown;
    try {
      if (text instanceof Error) throw text;
      parsed = JSON.parse(text);
    } catch (error) {
      report.problems.push(`chain: ${given} cannot be read (${errorMessage(error)})`);
      continue;
    }
    if (!isObject(parsed)) {
      report.problems.push(`chain: ${given} is not a JSON object`);
      continue;
    }
    const startDate = typeof parsed.startDate === 'string' ? parsed.startDate : '?';
    const revision = typeof parsed.revision === 'number' ? parsed.revision : null;
    const label = `${given} (${startDate} r${revision ?? '?'})`;
    const generatedAt = parseTimestamp(parsed.generatedAt);
    const previous = parsed.previousManifestSha256;
    if (generatedAt === null) {
      report.problems.push(
        `chain: ${label}: generatedAt ${describeValue(parsed.generatedAt)} is not an RFC 3339 timestamp, so it cannot be placed in the chain`,
      );
      continue;
    }
    if (previous !== null && (typeof previous !== 'string' || !SHA256_HEX.test(previous))) {
      report.problems.push(
        `chain: ${label}: previousManifestSha256 must be null or 64 lowercase hex digits, found ${describeValue(previous)}`,
      );
      continue;
    }
    const link: ChainLink = {
      label,
      sha256: await sha256Hex(bytes),
      organizationId: typeof parsed.organizationId === 'string' ? parsed.organizationId : null,
      startDate,
      revision,
      generatedAt,
      previous,
    };
    const duplicate = byHash.get(link.sha256);
    if (duplicate) {
      report.notes.push(`chain: ${label} is the same file as ${duplicate.label}; counted once`);
      continue;
    }
    byHash.set(link.sha256, link);
    links.push(link);
  }
  if (links.length === 0) {
    report.problems.push('chain: no readable manifest given');
    return;
  }

  const organizations = new Set(links.map((link) => link.organizationId));
  if (organizations.size === 1 && links[0]?.organizationId !== null) {
    report.checks.push(`chain: all ${links.length} manifests belong to organization ${links[0]?.organizationId}`);
  } else {
    report.problems.push(
      `chain: the manifests belong to different organizations: ${links.map((link) => `${link.label}: ${describeValue(link.organizationId)}`).join('; ')}`,
    );
  }

  // Forks: two manifests claiming the same predecessor (or two chain starts).
  const byPrevious = new Map<string, ChainLink[]>();
  for (const link of links) {
    const key = link.previous ?? 'null';
    byPrevious.set(key, [...(byPrevious.get(key) ?? []), link]);
  }
  for (const [previous, claimants] of byPrevious) {
    if (claimants.length < 2) continue;
    const who = claimants.map((link) => link.label).join(', ');
    const all = claimants.length === 2 ? 'both' : 'all';
    if (previous === 'null')
      report.problems.push(`chain: fork — ${who} ${all} have previousManifestSha256 null (more than one chain start)`);
    else
      report.problems.push(
        `chain: fork — ${who} ${all} claim previousManifestSha256 ${previous}${byHash.has(previous) ? ` (${byHash.get(previous)?.label})` : ''}`,
      );
  }

  // Links, in generatedAt order (ties broken by the links themselves).
  const ordered = [...links].sort((a, b) => {
    if (a.generatedAt !== b.generatedAt) return a.generatedAt - b.generatedAt;
    if (b.previous === a.sha256) return -1;
    if (a.previous === b.sha256) return 1;
    return 0;
  });
  for (const [index, link] of ordered.entries()) {
    const before = index > 0 ? ordered[index - 1] : undefined;
    if (!before) {
      if (link.previous === null) report.checks.push(`chain: ${link.label} starts the chain (previousManifestSha256 null)`);
      else if (byHash.has(link.previous)) {
        report.problems.push(
          `chain: ${link.label}, the earliest generated, points to ${byHash.get(link.previous)?.label}, which was generated after it`,
        );
      } else
        report.notes.push(
          `chain starts outside the given manifests: ${link.label} (the earliest given) points to ${link.previous}, which is not among them`,
        );
      continue;
    }
    if (link.previous === before.sha256) {
      report.checks.push(`chain: ${link.label} → ${before.label} (sha256 ${before.sha256.slice(0, 16)}…)`);
    } else if (link.previous === null) {
      report.problems.push(
        `chain: broken link — ${link.label} has previousManifestSha256 null, but ${before.label} (sha256 ${before.sha256}) was generated before it`,
      );
    } else if (byHash.has(link.previous)) {
      report.problems.push(
        `chain: broken link — ${link.label} points to ${byHash.get(link.previous)?.label}, but the manifest generated just before it is ${before.label} (sha256 ${before.sha256})`,
      );
    } else {
      report.problems.push(
        `chain: broken link — ${link.label} has previousManifestSha256 ${link.previous}, expected ${before.sha256} (sha256 of ${before.label}, generated just before it); no given manifest has that hash (altered predecessor, or one missing from the given set)`,
      );
    }
  }

  // Revisions of one week must grow with generatedAt.
  const lastRevision = new Map<string, ChainLink>();
  for (const link of ordered) {
    const earlier = lastRevision.get(link.startDate);
    if (earlier && link.revision !== null && earlier.revision !== null && link.revision <= earlier.revision) {
      report.problems.push(`chain: ${link.label} was generated after ${earlier.label} but its revision is not higher`);
    }
    lastRevision.set(link.startDate, link);
  }
}

// ---------------------------------------------------------------------------------------------
// Helpers for callers (CLI)
// ---------------------------------------------------------------------------------------------

/** Entry names in central-directory order, or [] when the ZIP cannot be read. Never throws. */
export function zipEntryNames(zip: Uint8Array): string[] {
  return readZipStructure(zip, []).entries.map((entry) => entry.name);
}
