/** One weekly archive: its ZIP, seven day files, manifest and signature, checked together. */
import { sha256Hex } from './bytes.ts';
import { parseDate } from './dates.ts';
import { type ArchiveContext, checkDayFile, type DayFileResult, newArchiveContext } from './day-file-check.ts';
import { checkManifest } from './manifest-check.ts';
import { checkAgainstManifest } from './manifest-match.ts';
import type { VerifyReport } from './report.ts';
import { checkSignature } from './signature.ts';
import { describeValue, errorMessage } from './values.ts';
import { checkEntryNames, expectedDayFiles } from './zip-entries.ts';
import { inflateEntry } from './zip-inflate.ts';
import { readZipStructure } from './zip-structure.ts';

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

/** The sequence numbers an archive's events carry, for a folder's coverage check. */
export interface ArchiveSequences {
  /** Every valid sequence in the day files that could be read, repeats included, in file order. */
  sequences: number[];
  /** Each of those events' content hash, in the same order. */
  contentHashes: string[];
  /** Events with no sequence field (archives built before events had one). */
  withoutSequence: number;
}

const DEFAULT_MAX_ENTRY_BYTES = 256 * 1024 * 1024;

/**
 * Verifies one weekly archive. Never throws: anything wrong with the input, including corrupt
 * ZIP/JSON, is a problem in the report.
 */
export async function verifyArchive(input: VerifyArchiveInput): Promise<VerifyReport> {
  return (await verifyArchiveSequences(input)).report;
}

/** `verifyArchive`, also handing back the events' sequence numbers. Never throws. */
export async function verifyArchiveSequences(input: VerifyArchiveInput): Promise<{ report: VerifyReport; sequences: ArchiveSequences }> {
  const report: VerifyReport = { ok: false, problems: [], checks: [], notes: [], records: 0 };
  const context = newArchiveContext();
  try {
    await verifyInto(input, context, report);
  } catch (error) {
    report.problems.push(`verifier: unexpected error (${errorMessage(error)})`);
  }
  report.ok = report.problems.length === 0;
  return {
    report,
    sequences: { sequences: context.sequences, contentHashes: context.contentHashes, withoutSequence: context.withoutSequence },
  };
}

async function verifyInto(input: VerifyArchiveInput, context: ArchiveContext, report: VerifyReport): Promise<void> {
  const { zip } = input;
  const maxEntryBytes = input.maxEntryBytes ?? DEFAULT_MAX_ENTRY_BYTES;
  const manifest = input.manifest === undefined ? null : checkManifest(input.manifest, report);
  // Every event must belong to the manifest's organization; without one, to the first event's.
  if (manifest && typeof manifest.organizationId === 'string') context.organizationId = manifest.organizationId;
  if (input.manifest === undefined)
    report.notes.push('no manifest given: the ZIP was checked for internal consistency only, not against a signed manifest');
  await checkSignature(input, report);

  const problemsBeforeZip = report.problems.length;
  const structure = readZipStructure(zip, report.problems);
  const structureSound = report.problems.length === problemsBeforeZip;
  const names = structure.entries.map((entry) => entry.name);
  const expectedNames = expectedDayFiles(manifest?.startDate, names, structure.readable, report);
  if (structure.readable && expectedNames) checkEntryNames(names, expectedNames, report);

  // Inflate and check each day file.
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
    // Listed before the day files' checks: it is what makes them meaningful.
    report.checks.splice(
      structureCheckAt,
      0,
      `ZIP structure: ${structure.entries.length} entries; end record, central directory, local headers${structure.entries.some((entry) => entry.flags & 0x0008) ? ', data descriptors' : ''} agree; no stray bytes; every entry inflates to its recorded size and CRC-32`,
    );
  }

  if (manifest) {
    const digest = { sha256: await sha256Hex(zip), bytes: zip.length };
    checkAgainstManifest(manifest, { zip: digest, readable: structure.readable, inflatedAll, expectedNames, results }, report);
  }
}
