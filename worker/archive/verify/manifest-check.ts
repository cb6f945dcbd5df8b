/** The manifest on its own: exact format, fields, types and week (see docs/verifying-archives.md). */

import { DAY_MS } from '../week.ts';
import { bytesEqual, decodeUtf8, describeDifference } from './bytes.ts';
import { formatDate, isMonday, parseDate, parseTimestamp } from './dates.ts';
import type { VerifyReport } from './report.ts';
import { describeValue, errorMessage, isObject, type JsonObject } from './values.ts';

/** The signed manifest of one weekly archive revision. */
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

function checkKeys(problems: string[], where: string, value: JsonObject, keys: readonly string[]): void {
  for (const key of keys) if (!(key in value)) problems.push(`${where}: field ${key} is missing`);
  for (const key of Object.keys(value)) if (!keys.includes(key)) problems.push(`${where}: unexpected field ${key}`);
}

const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value) && value >= 0;

/** Parses and checks the manifest on its own (format, fields, types, week). */
export function checkManifest(bytes: Uint8Array, report: VerifyReport): JsonObject | null {
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
