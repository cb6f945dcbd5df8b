/**
 * The archive modes of the verifier (docs/verifying-archives.md): one ZIP with its manifest(s) and
 * signature, or a folder of archives (`--dir`). They read the files; the checks are
 * worker/archive/verify's.
 *
 * - Without --manifest, looks for <startDate>.manifest.json beside the ZIP (the start date comes
 *   from the ZIP's name, `<startDate>.zip` or `audit-logs_<start>_<end>.zip`, else from its first
 *   entry); if there is none the ZIP is verified on its own, and the output says so.
 * - Without --signature, uses the manifest's path with `.manifest.json` → `.sig`, if that exists.
 * - Several --manifest: the ZIP is checked against the one that describes it (same archive sha256,
 *   else same week with the highest revision), and all of them are checked as one hash chain.
 * - Without --public-key the signature is not checked (a warning; not a failure).
 * - --dir verifies every archive in a folder (`<stem>.zip`, `<stem>.manifest.json`, `<stem>.sig`),
 *   each organization's manifests as one chain, and prints the sequence ranges covered and the
 *   gaps; --complete-through N also fails unless every sequence 1..N appears exactly once.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import {
  type ChainReport,
  countProblems,
  type DirectoryFile,
  directoryReportLines,
  type VerifyReport,
  verifyArchive,
  verifyChain,
  verifyDirectory,
  zipEntryNames,
} from '../../worker/archive/verify/index.ts';

/** A usage error: bad arguments, an unreadable file or folder (exit code 2). */
export class UsageError extends Error {}

export function readInput(path: string, what: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new UsageError(`cannot read ${what} ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

interface ManifestFile {
  path: string;
  bytes: Uint8Array;
  startDate: string | null;
  revision: number;
  archiveSha256: string | null;
}

function describeManifest(path: string, bytes: Uint8Array): ManifestFile {
  let startDate: string | null = null;
  let revision = 0;
  let archiveSha256: string | null = null;
  try {
    const parsed: unknown = JSON.parse(new TextDecoder().decode(bytes));
    if (typeof parsed === 'object' && parsed !== null) {
      const record = parsed as Record<string, unknown>;
      if (typeof record.startDate === 'string') startDate = record.startDate;
      if (typeof record.revision === 'number') revision = record.revision;
      const archive = record.archive;
      if (typeof archive === 'object' && archive !== null) {
        const sha = (archive as Record<string, unknown>).sha256;
        if (typeof sha === 'string') archiveSha256 = sha;
      }
    }
  } catch {
    // An unreadable manifest is reported by the verifier itself.
  }
  return { path, bytes, startDate, revision, archiveSha256 };
}

/** The week's start date, from the ZIP's file name or else its first entry. */
function zipStartDate(zipPath: string, zip: Uint8Array): string | null {
  const fromName = /(\d{4}-\d{2}-\d{2})/.exec(basename(zipPath))?.[1];
  if (fromName) return fromName;
  return /^(\d{4}-\d{2}-\d{2})\.json$/.exec(zipEntryNames(zip)[0] ?? '')?.[1] ?? null;
}

function printReport(title: string, report: VerifyReport | ChainReport): void {
  console.log(`\n${title}`);
  for (const check of report.checks) console.log(`  ✓ ${check}`);
  for (const note of report.notes) console.log(`  ! ${note}`);
  for (const problem of report.problems) console.log(`  ✗ ${problem}`);
}

/** The manifests to read: those given, or the one beside the ZIP (a line of `lines` says when there is none). */
function manifestsFor(zipPath: string, startDate: string | null, given: string[] | undefined, lines: string[]): ManifestFile[] {
  if (given && given.length > 0) return given.map((path) => describeManifest(path, readInput(path, 'manifest')));
  const candidate = startDate ? join(dirname(zipPath), `${startDate}.manifest.json`) : null;
  if (candidate && existsSync(candidate)) return [describeManifest(candidate, readInput(candidate, 'manifest'))];
  lines.push(
    `Manifest:   none (not given, and ${candidate ?? '<startDate>.manifest.json'} is not beside the ZIP): verifying the ZIP without a manifest`,
  );
  return [];
}

/** The signature given, or the one beside the manifest. */
function signaturePathFor(given: string | undefined, manifest: ManifestFile | undefined): string | undefined {
  if (given !== undefined || !manifest || !manifest.path.endsWith('.manifest.json')) return given;
  const candidate = `${manifest.path.slice(0, -'.manifest.json'.length)}.sig`;
  return existsSync(candidate) ? candidate : undefined;
}

export async function verifyOneZip(
  zipPath: string,
  manifestPaths: string[] | undefined,
  givenSignature: string | undefined,
  publicKeyPath: string | undefined,
  readPublicKey: () => string | undefined,
): Promise<number> {
  const zip = readInput(zipPath, 'ZIP');
  const zipSha = createHash('sha256').update(zip).digest('hex');
  const startDate = zipStartDate(zipPath, zip);

  const lines: string[] = [`ZIP:        ${zipPath} (${zip.length} bytes, sha256 ${zipSha})`];
  const notes: string[] = [];
  const manifests = manifestsFor(zipPath, startDate, manifestPaths, lines);
  const manifest =
    manifests.find((file) => file.archiveSha256 === zipSha) ??
    manifests.filter((file) => file.startDate === startDate).sort((a, b) => b.revision - a.revision)[0] ??
    manifests[0];
  if (manifest)
    lines.push(`Manifest:   ${manifest.path}${manifests.length > 1 ? ` (the one of ${manifests.length} that describes this ZIP)` : ''}`);

  const signaturePath = signaturePathFor(givenSignature, manifest);
  const signature = signaturePath === undefined ? undefined : readInput(signaturePath, 'signature');
  if (signaturePath !== undefined) lines.push(`Signature:  ${signaturePath}`);
  const publicKeyPem = readPublicKey();
  if (publicKeyPath !== undefined) lines.push(`Public key: ${publicKeyPath}`);
  else
    notes.push(
      `WARNING: no --public-key given, so the signature was NOT checked${manifest ? '; anyone could have written this manifest' : ''}`,
    );

  console.log(lines.join('\n'));
  const report = await verifyArchive({
    zip,
    ...(manifest ? { manifest: manifest.bytes } : {}),
    ...(signature ? { signature } : {}),
    ...(publicKeyPem !== undefined ? { publicKeyPem } : {}),
  });
  report.notes = [...notes, ...report.notes.filter((note) => !(publicKeyPath === undefined && note.startsWith('signature not checked')))];
  printReport('Archive', report);
  let problems = report.problems.length;

  if (manifests.length > 1) {
    const chain = await verifyChain(
      manifests.map((file) => file.bytes),
      manifests.map((file) => basename(file.path)),
    );
    printReport(`Manifest chain (${manifests.length} manifests)`, chain);
    problems += chain.problems.length;
  }

  const checked = `${report.records} events${manifest ? '' : ', no manifest'}${publicKeyPem !== undefined && signature ? ', signature valid' : ', signature not checked'}${manifests.length > 1 ? `, chain of ${manifests.length}` : ''}`;
  console.log(
    problems === 0 ? `\nVERIFIED: ${zipPath} (${checked})` : `\nFAILED: ${problems} problem${problems === 1 ? '' : 's'} in ${zipPath}`,
  );
  return problems === 0 ? 0 : 1;
}

export function completeThrough(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const through = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(through) || through < 1)
    throw new UsageError(`--complete-through must be a positive integer, got ${value}`);
  return through;
}

/** The folder's files, each read only when the verifier gets to it. */
function folderFiles(folder: string): DirectoryFile[] {
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch (error) {
    throw new UsageError(`cannot read folder ${folder}: ${error instanceof Error ? error.message : String(error)}`);
  }
  // statSync follows symbolic links, so a folder of links to the archives works too; subfolders are skipped.
  return names
    .filter((name) => statSync(join(folder, name), { throwIfNoEntry: false })?.isFile() === true)
    .map((name) => ({ name, read: () => readFile(join(folder, name)) }));
}

export async function verifyFolder(
  folder: string,
  through: number | undefined,
  publicKeyPath: string | undefined,
  publicKeyPem: string | undefined,
  checkpoints?: string,
): Promise<number> {
  const files = folderFiles(folder);
  console.log(`Folder:     ${folder} (${files.length} files)`);
  if (publicKeyPath !== undefined) console.log(`Public key: ${publicKeyPath}`);
  const report = await verifyDirectory({
    files,
    ...(publicKeyPem !== undefined ? { publicKeyPem } : {}),
    ...(through !== undefined ? { completeThrough: through } : {}),
    ...(checkpoints !== undefined ? { checkpoints } : {}),
  });
  for (const line of directoryReportLines(report)) console.log(line);
  const problems = countProblems(report);
  const archives = report.organizations.reduce((total, organization) => total + organization.archives.length, 0);
  const organizations = report.organizations.length;
  const complete = through === undefined ? '' : `, every sequence 1–${through} exactly once`;
  console.log(
    report.ok
      ? `\nVERIFIED: ${folder} (${archives} archive${archives === 1 ? '' : 's'} of ${organizations} organization${organizations === 1 ? '' : 's'}${complete})`
      : `\nFAILED: ${problems} problem${problems === 1 ? '' : 's'} in ${folder}`,
  );
  return report.ok ? 0 : 1;
}
