/** One archive of a folder, verified from whichever of its ZIP, manifest and signature are there. */
import { type ArchiveSequences, verifyArchiveSequences } from './archive.ts';
import type { ArchiveFiles } from './directory-files.ts';
import { verifyManifestWithoutZip } from './manifest-without-zip.ts';
import type { VerifyReport } from './report.ts';

export interface FolderOptions {
  publicKeyPem?: string;
  maxEntryBytes?: number;
}

/**
 * Verifies the archive with the single-archive verifier; without a ZIP, only the manifest and its
 * signature. `sequences` is null when there was no ZIP to read them from.
 */
export async function verifyArchiveFiles(
  files: ArchiveFiles,
  manifest: Uint8Array | null,
  options: FolderOptions,
): Promise<{ report: VerifyReport; sequences: ArchiveSequences | null }> {
  const signature = files.signature ? await files.signature.read() : undefined;
  // Without a manifest there is nothing a signature or key could be checked against.
  const shared = manifest
    ? { ...(signature ? { signature } : {}), ...(options.publicKeyPem !== undefined ? { publicKeyPem: options.publicKeyPem } : {}) }
    : {};
  let result: { report: VerifyReport; sequences: ArchiveSequences | null };
  if (files.zip) {
    result = await verifyArchiveSequences({
      zip: await files.zip.read(),
      ...(manifest ? { manifest } : {}),
      ...shared,
      ...(options.maxEntryBytes !== undefined ? { maxEntryBytes: options.maxEntryBytes } : {}),
    });
  } else if (manifest) result = { report: await verifyManifestWithoutZip({ manifest, ...shared }), sequences: null };
  else return { report: { ok: false, problems: ['no ZIP and no manifest to verify'], checks: [], notes: [], records: 0 }, sequences: null };

  const { report } = result;
  if (options.publicKeyPem === undefined) {
    // The folder report says once that no signature was checked; each archive need not repeat it.
    report.notes = report.notes.filter((note) => !note.startsWith('signature not checked'));
    // In a folder every manifest is expected to have its signature beside it (with a key, the verifier already says so).
    if (manifest && !signature) report.problems.push(`signature: no ${files.stem}.sig beside ${files.manifest?.name ?? 'the manifest'}`);
  }
  report.ok = report.problems.length === 0;
  return result;
}
