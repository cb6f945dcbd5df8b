/**
 * A folder of archives (`npm run verify -- --dir <folder>`): every archive verified, each
 * organization's manifests checked as one chain, and the sequence numbers the archives cover.
 * Pure: the caller lists the folder and supplies each file's bytes on demand.
 */
import { type FolderOptions, verifyArchiveFiles } from './archive-files-check.ts';
import { type Checkpoint, checkCheckpoints, parseCheckpoints } from './checkpoints.ts';
import { type ArchiveFiles, type DirectoryFile, groupByStem, pairByHash } from './directory-files.ts';
import type { ArchiveVerdict, DirectoryReport } from './directory-report.ts';
import { placeManifest } from './manifest-placement.ts';
import { type PlacedArchive, verifyOrganization } from './organization.ts';
import { errorMessage } from './values.ts';

export interface VerifyDirectoryInput {
  /** Every file in the folder; names that are not `.zip`, `.manifest.json` or `.sig` are ignored. */
  files: readonly DirectoryFile[];
  /** SPKI PEM of the archive signing key. Without it no signature is checked (a note, not a problem). */
  publicKeyPem?: string;
  /** When given, every sequence 1..completeThrough must appear exactly once in each organization's archives. */
  completeThrough?: number;
  /** Passed to the single-archive verifier. */
  maxEntryBytes?: number;
  /**
   * The answer of GET …/audit-log-checkpoints saved as is (needs publicKeyPem): each signature is
   * checked, and the chain recomputed from the archives' events must equal every checkpoint it reaches.
   */
  checkpoints?: string;
}

/** Verifies a folder of archives. Never throws: an unreadable file is a problem in the report. */
export async function verifyDirectory(input: VerifyDirectoryInput): Promise<DirectoryReport> {
  const report: DirectoryReport = { ok: false, problems: [], notes: [], organizations: [], unplaced: [] };
  try {
    await verifyInto(input, report);
  } catch (error) {
    report.problems.push(`verifier: unexpected error (${errorMessage(error)})`);
  }
  report.ok =
    report.problems.length === 0 &&
    report.organizations.every((organization) => organization.ok) &&
    report.unplaced.every((verdict) => verdict.report.ok);
  return report;
}

async function verifyInto(input: VerifyDirectoryInput, report: DirectoryReport): Promise<void> {
  const options: FolderOptions = {
    ...(input.publicKeyPem !== undefined ? { publicKeyPem: input.publicKeyPem } : {}),
    ...(input.maxEntryBytes !== undefined ? { maxEntryBytes: input.maxEntryBytes } : {}),
  };
  const { archives, ignored } = groupByStem(input.files);
  if (ignored.length > 0) report.notes.push(`ignored (not .zip, .manifest.json or .sig): ${ignored.join(', ')}`);
  if (input.publicKeyPem === undefined)
    report.notes.push('WARNING: no public key given, so no signature was checked; anyone could have written these manifests');
  if (!archives.some((archive) => archive.zip || archive.manifest)) {
    report.problems.push('no archive in the folder (no .zip or .manifest.json file)');
    return;
  }

  const manifests = new Map<ArchiveFiles, Uint8Array>();
  const archiveSha256 = new Map<ArchiveFiles, string>();
  for (const archive of archives) {
    if (!archive.manifest) continue;
    const bytes = await archive.manifest.read();
    manifests.set(archive, bytes);
    const placement = placeManifest(bytes);
    if (typeof placement !== 'string' && placement.archiveSha256 !== null) archiveSha256.set(archive, placement.archiveSha256);
  }
  report.notes.push(...(await pairByHash(archives, archiveSha256)));

  const byOrganization = new Map<string, PlacedArchive[]>();
  for (const archive of archives) {
    const manifest = manifests.get(archive) ?? null;
    if (!manifest) {
      if (archive.zip) {
        report.problems.push(
          `${archive.zip.name}: no ${archive.stem}.manifest.json beside it and no manifest names its sha256, so it belongs to no week or chain`,
        );
        report.unplaced.push(await unplacedVerdict(archive, null, options));
      } else if (archive.signature) report.problems.push(`${archive.signature.name}: no ${archive.stem}.manifest.json beside it`);
      continue;
    }
    const placement = placeManifest(manifest);
    if (typeof placement === 'string') {
      report.problems.push(`${archive.manifest?.name}: cannot tell which organization, week and revision it is for (${placement})`);
      report.unplaced.push(await unplacedVerdict(archive, manifest, options));
      continue;
    }
    const placed = byOrganization.get(placement.organizationId) ?? [];
    placed.push({ files: archive, manifest, placement });
    byOrganization.set(placement.organizationId, placed);
  }

  const checkpoints = input.checkpoints === undefined ? [] : await signedCheckpoints(input.checkpoints, input.publicKeyPem, report);
  for (const organizationId of [...byOrganization.keys()].sort()) {
    const placed = byOrganization.get(organizationId) ?? [];
    report.organizations.push(
      await verifyOrganization(organizationId, placed, {
        ...options,
        ...(input.completeThrough !== undefined ? { completeThrough: input.completeThrough } : {}),
        checkpoints: checkpoints.filter((checkpoint) => checkpoint.organizationId === organizationId),
      }),
    );
  }
  const others = [...new Set(checkpoints.map((checkpoint) => checkpoint.organizationId))].filter((id) => !byOrganization.has(id));
  if (others.length > 0) report.notes.push(`checkpoints of ${others.join(', ')}: no archive of that organization in the folder`);
}

/** The checkpoints whose signatures verify; every other finding about them is a problem of the folder. */
async function signedCheckpoints(text: string, publicKeyPem: string | undefined, report: DirectoryReport): Promise<Checkpoint[]> {
  if (publicKeyPem === undefined) {
    report.problems.push('checkpoints: given without a public key, so their signatures cannot be checked');
    return [];
  }
  const parsed = parseCheckpoints(text);
  if (parsed instanceof Error) {
    report.problems.push(`checkpoints: ${parsed.message}`);
    return [];
  }
  const checked = await checkCheckpoints(parsed, publicKeyPem);
  report.problems.push(...checked.problems.map((problem) => problem.message));
  report.notes.push(...checked.checks);
  return checked.valid;
}

async function unplacedVerdict(archive: ArchiveFiles, manifest: Uint8Array | null, options: FolderOptions): Promise<ArchiveVerdict> {
  const { report } = await verifyArchiveFiles(archive, manifest, options);
  const files = [archive.zip, archive.manifest, archive.signature].flatMap((file) => (file ? [file.name] : []));
  return {
    stem: archive.stem,
    files,
    startDate: null,
    revision: null,
    counted: false,
    supersededBy: null,
    hasZip: archive.zip !== null,
    report,
  };
}
