/**
 * One weekly archive checked as its ZIP streams by (a restore reads it from R2 so): the same checks
 * as verifyArchive (archive.ts) on the manifest, its signature, every day file and the hashes and
 * counts the manifest claims, with the ZIP's SHA-256 computed over the stream. The ZIP's structure
 * is not walked (its central directory comes last); its bytes are proven by that SHA-256 against the
 * signed manifest instead. Holds one day file at a time.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { parseDate } from './dates.ts';
import { checkDayFile, type DayFileResult, newArchiveContext } from './day-file-check.ts';
import { checkManifest } from './manifest-check.ts';
import { checkAgainstManifest } from './manifest-match.ts';
import type { VerifyReport } from './report.ts';
import { checkSignature } from './signature.ts';
import { errorMessage } from './values.ts';
import { checkEntryNames, expectedDayFiles } from './zip-entries.ts';
import { zipStreamEntries } from './zip-stream-entries.ts';

export interface VerifyArchiveStreamInput {
  /** The ZIP's bytes, in order. */
  chunks: AsyncIterable<Uint8Array>;
  /** The manifest's exact bytes. */
  manifest: Uint8Array;
  /** The raw 64-byte Ed25519 signature over the manifest bytes. */
  signature: Uint8Array;
  /** SPKI PEM of the archive signing key. */
  publicKeyPem: string;
  /** Entries that inflate to more are refused (default 256 MiB). */
  maxEntryBytes?: number;
  /** Called with each day file after it was checked without a problem; what it throws becomes a problem. */
  onDayFile?: (name: string, data: Uint8Array) => void;
}

function onDayFile(input: VerifyArchiveStreamInput, name: string, data: Uint8Array, report: VerifyReport): void {
  try {
    input.onDayFile?.(name, data);
  } catch (error) {
    report.problems.push(errorMessage(error));
  }
}

/** Verifies one streamed archive against its signed manifest. Never throws: every fault is a problem. */
export async function verifyArchiveStream(input: VerifyArchiveStreamInput): Promise<VerifyReport> {
  const report: VerifyReport = { ok: false, problems: [], checks: [], notes: [], records: 0 };
  const context = newArchiveContext();
  try {
    const manifest = checkManifest(input.manifest, report);
    if (manifest && typeof manifest.organizationId === 'string') context.organizationId = manifest.organizationId;
    await checkSignature(input, report);
    const expectedNames = manifest ? expectedDayFiles(manifest.startDate, [], false, report) : null;
    const digest = sha256.create();
    let bytes = 0;
    const names: string[] = [];
    const results = new Map<string, DayFileResult>();
    let readable = true;
    try {
      const entries = zipStreamEntries(input.chunks, {
        maxEntryBytes: input.maxEntryBytes ?? 256 * 1024 * 1024,
        onBytes: (chunk) => {
          digest.update(chunk);
          bytes += chunk.length;
        },
      });
      for await (const entry of entries) {
        names.push(entry.name);
        const dayStart = entry.name.endsWith('.json') ? parseDate(entry.name.slice(0, -5)) : null;
        const wanted = dayStart !== null && (expectedNames === null || expectedNames.includes(entry.name)) && !results.has(entry.name);
        if (!wanted) continue;
        const problemsBefore = report.problems.length;
        const result = await checkDayFile(entry.name, dayStart, entry.data, context, report);
        results.set(entry.name, result);
        report.records += result.records;
        if (report.problems.length === problemsBefore) onDayFile(input, entry.name, entry.data, report);
      }
    } catch (error) {
      readable = false;
      report.problems.push(errorMessage(error));
    }
    if (readable && expectedNames) checkEntryNames(names, expectedNames, report);
    if (manifest) {
      const zip = { sha256: bytesToHex(digest.digest()), bytes };
      checkAgainstManifest(manifest, { zip, readable, inflatedAll: readable, expectedNames, results }, report);
    }
  } catch (error) {
    report.problems.push(`verifier: unexpected error (${errorMessage(error)})`);
  }
  report.ok = report.problems.length === 0;
  return report;
}
