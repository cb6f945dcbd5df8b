/**
 * Which files of a folder belong to one archive: `<stem>.zip`, `<stem>.manifest.json` and
 * `<stem>.sig`, whatever the stem. A ZIP whose stem matches no manifest is paired with the
 * manifest that names its sha256, because the API's downloads name the ZIP
 * `audit-logs_<start>_<end>.zip` but the manifest `<start>.manifest.json`.
 */
import { sha256Hex } from './bytes.ts';

export interface DirectoryFile {
  /** The file's name within the folder. */
  name: string;
  /** Its bytes. Read on demand so that only one ZIP is in memory at a time. */
  read: () => Promise<Uint8Array>;
}

export interface ArchiveFiles {
  stem: string;
  zip: DirectoryFile | null;
  manifest: DirectoryFile | null;
  signature: DirectoryFile | null;
}

type Part = 'zip' | 'manifest' | 'signature';
// `.manifest.json` before anything shorter, so a manifest's stem does not end in `.manifest`.
const SUFFIXES: [Part, string][] = [
  ['manifest', '.manifest.json'],
  ['signature', '.sig'],
  ['zip', '.zip'],
];

/** Groups the files by stem, sorted by stem; names that fit no archive file are returned as ignored. */
export function groupByStem(files: readonly DirectoryFile[]): { archives: ArchiveFiles[]; ignored: string[] } {
  const byStem = new Map<string, ArchiveFiles>();
  const ignored: string[] = [];
  for (const file of files) {
    const match = SUFFIXES.find(([, suffix]) => file.name.endsWith(suffix) && file.name.length > suffix.length);
    if (!match) {
      ignored.push(file.name);
      continue;
    }
    const [part, suffix] = match;
    const stem = file.name.slice(0, -suffix.length);
    const archive = byStem.get(stem) ?? { stem, zip: null, manifest: null, signature: null };
    archive[part] = file;
    byStem.set(stem, archive);
  }
  const archives = [...byStem.values()].sort((a, b) => (a.stem < b.stem ? -1 : a.stem > b.stem ? 1 : 0));
  return { archives, ignored: ignored.sort() };
}

/**
 * Moves each ZIP that has no manifest of its own into the archive whose manifest lacks a ZIP and
 * names that ZIP's sha256 (`archiveSha256` of each manifest-holding archive). Returns what was paired.
 */
export async function pairByHash(archives: ArchiveFiles[], archiveSha256: ReadonlyMap<ArchiveFiles, string>): Promise<string[]> {
  const waiting = archives.filter((archive) => archive.manifest !== null && archive.zip === null && archiveSha256.has(archive));
  if (waiting.length === 0) return [];
  const paired: string[] = [];
  for (const lone of archives.filter((archive) => archive.manifest === null && archive.zip !== null)) {
    const zip = lone.zip;
    if (!zip) continue;
    const sha = await sha256Hex(await zip.read());
    const home = waiting.find((archive) => archive.zip === null && archiveSha256.get(archive) === sha);
    if (!home?.manifest) continue;
    home.zip = zip;
    lone.zip = null;
    paired.push(`${zip.name} goes with ${home.manifest.name} (the sha256 it names)`);
  }
  // An archive left with no file at all was a lone ZIP that found its manifest.
  archives.splice(0, archives.length, ...archives.filter((archive) => archive.zip || archive.manifest || archive.signature));
  return paired;
}
