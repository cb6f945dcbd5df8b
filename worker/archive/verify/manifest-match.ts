/** The ZIP and its day files against the hashes and counts the manifest claims for them. */
import type { DayFileResult } from './day-file-check.ts';
import type { VerifyReport } from './report.ts';
import { describeValue, isObject, type JsonObject } from './values.ts';

export interface ReadArchive {
  /** The ZIP's SHA-256 (hex) and size, computed over its exact bytes (at once, or as they streamed). */
  zip: { sha256: string; bytes: number };
  /** False when the ZIP could not be read at all, so its record count says nothing. */
  readable: boolean;
  /** False when some entry could not be inflated, so the record count is partial. */
  inflatedAll: boolean;
  /** The week's seven day-file names, or null when the week is unknown. */
  expectedNames: readonly string[] | null;
  /** The day files that were inflated, by name. */
  results: ReadonlyMap<string, DayFileResult>;
}

export function checkAgainstManifest(manifest: JsonObject, read: ReadArchive, report: VerifyReport): void {
  const { zip, readable, inflatedAll, expectedNames, results } = read;
  const archive = isObject(manifest.archive) ? manifest.archive : null;
  const zipSha = zip.sha256;
  if (archive) {
    if (archive.sha256 === zipSha) report.checks.push(`archive sha256 ${zipSha} matches the manifest`);
    else report.problems.push(`manifest.archive.sha256: the ZIP's sha256 is ${zipSha}, the manifest says ${describeValue(archive.sha256)}`);
    if (archive.bytes === zip.bytes) report.checks.push(`archive size ${zip.bytes} bytes matches the manifest`);
    else report.problems.push(`manifest.archive.bytes: the ZIP is ${zip.bytes} bytes, the manifest says ${describeValue(archive.bytes)}`);
    if (readable) {
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
