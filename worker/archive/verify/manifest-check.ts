/** The manifest on its own: exact format, fields, types and week (see docs/verifying-archives.md). */

import { DAY_MS } from '../week.ts';
import { bytesEqual, decodeUtf8, describeDifference } from './bytes.ts';
import { formatDate, isMonday, parseDate, parseTimestamp } from './dates.ts';
import type { VerifyReport } from './report.ts';
import { describeValue, errorMessage, isObject, type JsonObject } from './values.ts';

export const SHA256_HEX = /^[0-9a-f]{64}$/;
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
const encoder = new TextEncoder();

/** Fields a manifest may lack: `chainHash` came with the hash chain (older manifests have none). */
const OPTIONAL_MANIFEST_KEYS = ['chainHash'];

function checkKeys(problems: string[], where: string, value: JsonObject, keys: readonly string[], optional: readonly string[] = []): void {
  for (const key of keys) if (!(key in value)) problems.push(`${where}: field ${key} is missing`);
  for (const key of Object.keys(value))
    if (!keys.includes(key) && !optional.includes(key)) problems.push(`${where}: unexpected field ${key}`);
}

const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value) && value >= 0;

/** Parses and checks the manifest on its own (format, fields, types, week). */
export function checkManifest(bytes: Uint8Array, report: VerifyReport): JsonObject | null {
  const parsed = parseManifest(bytes, report.problems);
  if (parsed === null) return null;
  const problems = report.problems;
  const problemsBefore = problems.length;
  const expectedBytes = encoder.encode(`${JSON.stringify(parsed, null, 2)}\n`);
  if (!bytesEqual(expectedBytes, bytes)) {
    problems.push(
      `manifest: not in the exact format JSON.stringify(manifest, null, 2) + "\\n": ${describeDifference(expectedBytes, bytes)}`,
    );
  }
  checkKeys(problems, 'manifest', parsed, MANIFEST_KEYS, OPTIONAL_MANIFEST_KEYS);
  if ('chainHash' in parsed && (typeof parsed.chainHash !== 'string' || !SHA256_HEX.test(parsed.chainHash)))
    problems.push(`manifest.chainHash: expected 64 lowercase hex digits, found ${describeValue(parsed.chainHash)}`);
  checkIdentity(parsed, problems);
  checkArchive(parsed.archive, problems);
  checkFiles(parsed, problems);
  const previous = parsed.previousManifestSha256;
  if (previous !== null && (typeof previous !== 'string' || !SHA256_HEX.test(previous))) {
    problems.push(`manifest.previousManifestSha256: expected null or 64 lowercase hex digits, found ${describeValue(previous)}`);
  }
  if (problems.length === problemsBefore) {
    report.checks.push(
      `manifest: exact format, version 1, organization ${String(parsed.organizationId)}, week ${String(parsed.startDate)} (Monday) to ${String(parsed.endDate)}, revision ${String(parsed.revision)}, generated ${String(parsed.generatedAt)}`,
    );
  }
  return parsed;
}

/** The manifest as a JSON object, or null (and a problem) when it is not UTF-8 JSON holding one. */
function parseManifest(bytes: Uint8Array, problems: string[]): JsonObject | null {
  const text = decodeUtf8(bytes);
  if (text instanceof Error) {
    problems.push(`manifest: ${text.message}`);
    return null;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    problems.push(`manifest: not valid JSON (${errorMessage(error)})`);
    return null;
  }
  if (!isObject(parsed)) {
    problems.push(`manifest: expected a JSON object, found ${describeValue(parsed)}`);
    return null;
  }
  return parsed;
}

/** Which archive it describes: version, organization, week (a Monday to the Sunday after), revision, generation time. */
function checkIdentity(parsed: JsonObject, problems: string[]): void {
  if (parsed.version !== 1) problems.push(`manifest.version: expected 1, found ${describeValue(parsed.version)}`);
  if (typeof parsed.organizationId !== 'string' || parsed.organizationId.length === 0) {
    problems.push(`manifest.organizationId: expected a non-empty string, found ${describeValue(parsed.organizationId)}`);
  }
  const start = typeof parsed.startDate === 'string' ? parseDate(parsed.startDate) : null;
  if (start === null) problems.push(`manifest.startDate: expected a YYYY-MM-DD date, found ${describeValue(parsed.startDate)}`);
  else if (!isMonday(start)) problems.push(`manifest.startDate: ${String(parsed.startDate)} is not a Monday`);
  if (start !== null) {
    const expectedEnd = formatDate(start + 6 * DAY_MS);
    if (parsed.endDate !== expectedEnd)
      problems.push(`manifest.endDate: expected ${expectedEnd} (startDate + 6 days), found ${describeValue(parsed.endDate)}`);
  }
  if (typeof parsed.revision !== 'number' || !Number.isInteger(parsed.revision) || parsed.revision < 1) {
    problems.push(`manifest.revision: expected an integer ≥ 1, found ${describeValue(parsed.revision)}`);
  }
  if (parseTimestamp(parsed.generatedAt) === null)
    problems.push(`manifest.generatedAt: expected an RFC 3339 timestamp, found ${describeValue(parsed.generatedAt)}`);
}

/** manifest.archive: the ZIP's sha256, size and number of events. */
function checkArchive(archive: unknown, problems: string[]): void {
  if (!isObject(archive)) {
    problems.push(`manifest.archive: expected an object, found ${describeValue(archive)}`);
    return;
  }
  checkKeys(problems, 'manifest.archive', archive, ['sha256', 'bytes', 'records']);
  if (typeof archive.sha256 !== 'string' || !SHA256_HEX.test(archive.sha256)) {
    problems.push(`manifest.archive.sha256: expected 64 lowercase hex digits, found ${describeValue(archive.sha256)}`);
  }
  if (!isCount(archive.bytes))
    problems.push(`manifest.archive.bytes: expected a non-negative integer, found ${describeValue(archive.bytes)}`);
  if (!isCount(archive.records))
    problems.push(`manifest.archive.records: expected a non-negative integer, found ${describeValue(archive.records)}`);
}

/** manifest.files: seven day files, each named with its sha256 and events; their events add up to the archive's. */
function checkFiles(parsed: JsonObject, problems: string[]): void {
  if (!Array.isArray(parsed.files)) {
    problems.push(`manifest.files: expected an array of 7 files, found ${describeValue(parsed.files)}`);
    return;
  }
  if (parsed.files.length !== 7) problems.push(`manifest.files: expected 7 files, found ${parsed.files.length}`);
  let sum = 0;
  for (const [index, file] of (parsed.files as unknown[]).entries()) {
    const where = `manifest.files[${index}]`;
    if (!isObject(file)) {
      problems.push(`${where}: expected an object, found ${describeValue(file)}`);
      continue;
    }
    checkKeys(problems, where, file, ['name', 'sha256', 'records']);
    if (typeof file.name !== 'string') problems.push(`${where}.name: expected a string, found ${describeValue(file.name)}`);
    if (typeof file.sha256 !== 'string' || !SHA256_HEX.test(file.sha256))
      problems.push(`${where}.sha256: expected 64 lowercase hex digits, found ${describeValue(file.sha256)}`);
    if (!isCount(file.records)) problems.push(`${where}.records: expected a non-negative integer, found ${describeValue(file.records)}`);
    else sum += file.records;
  }
  if (isObject(parsed.archive) && isCount(parsed.archive.records) && sum !== parsed.archive.records) {
    problems.push(`manifest.archive.records: ${parsed.archive.records}, but the files' records add up to ${sum}`);
  }
}
