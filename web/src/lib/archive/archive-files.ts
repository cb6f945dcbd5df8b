// File names of an archive's three downloads, as docs/verifying-archives.md describes them: the
// ZIP as `audit-logs_<start>_<end>.zip`, its manifest and signature as `<start>.manifest.json` and
// `<start>.sig` (`<start>.rev<N>.…` for a later revision), so the verify commands shown beside
// them work on the files as the browser saves them.
import type { AuditLogArchive, DateParts } from '../shell/api-types.ts';

const pad = (value: number): string => String(value).padStart(2, '0');

export const isoDate = (date: DateParts): string => `${date.year}-${pad(date.month)}-${pad(date.day)}`;

export interface ArchiveFiles {
  zip: string;
  manifest: string;
  signature: string;
}

export function archiveFiles(archive: Pick<AuditLogArchive, 'startDate' | 'endDate' | 'revision'>): ArchiveFiles {
  const start = isoDate(archive.startDate);
  const stem = archive.revision > 1 ? `${start}.rev${archive.revision}` : start;
  return {
    zip: `audit-logs_${start}_${isoDate(archive.endDate)}.zip`,
    manifest: `${stem}.manifest.json`,
    signature: `${stem}.sig`,
  };
}

/** The commands that check one archive with standard tools, given the public key saved as `archive-key.pem`. */
export function verifyCommands(files: ArchiveFiles): string {
  return [
    `sha256sum ${files.zip}`,
    `openssl pkeyutl -verify -pubin -inkey archive-key.pem -rawin -in ${files.manifest} -sigfile ${files.signature}`,
  ].join('\n');
}

/** The standalone verifier the service serves (scripts/build-verifier.ts), and its SHA-256 line for `sha256sum -c`. */
export const VERIFIER_PATH = '/downloads/audit-log-verify.mjs';
export const VERIFIER_SHA256_PATH = `${VERIFIER_PATH}.sha256`;

/** Checks every archive saved in the current folder, with the verifier and the public key saved beside them. */
export const VERIFIER_COMMAND = 'node audit-log-verify.mjs --dir . --public-key archive-key.pem';
