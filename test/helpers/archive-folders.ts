/**
 * Folders of archives for the folder verifier's tests (verify-directory.test.ts), written by the
 * Worker's own writer (day files, streaming ZIP, manifest bytes, Ed25519 signature with the
 * Worker's signing key), built in memory in build order.
 */
import { env } from 'cloudflare:workers';
import { DayFileWriter } from '../../worker/archive/day-file.ts';
import {
  importSigningKey,
  type Manifest,
  type ManifestFile,
  manifestBytes,
  publicKeyOf,
  signBytes,
} from '../../worker/archive/manifest.ts';
import type { DirectoryFile } from '../../worker/archive/verify/index.ts';
import { week } from '../../worker/archive/week.ts';
import { StreamingZip } from '../../worker/archive/zip-stream.ts';
import { sha256Hex } from '../../worker/auth/secrets.ts';
import type { AuditEvent } from '../../worker/events/event-shape.ts';

export const ORG = 'org_01KA0M0000000000000000ORGA';
export const OTHER_ORG = 'org_01KA0M0000000000000000ORGB';
export const [W1, W2, W3] = ['2026-11-02', '2026-11-09', '2026-11-16'];
const PRIVATE_KEY = await importSigningKey(env.ARCHIVE_SIGNING_KEY);
export const { pem: PUBLIC_KEY } = await publicKeyOf(PRIVATE_KEY);

/** An event in the newer shape (with provenance and sequence), or the older one (`sequence` null). */
type OlderEvent = Omit<AuditEvent, 'source' | 'sourceKeyId' | 'credential' | 'sequence' | 'contentHash'>;
type ArchivedEvent = OlderEvent & {
  source?: string;
  sourceKeyId?: string | null;
  credential?: AuditEvent['credential'];
  sequence?: number;
};

export function event(organizationId: string, timestamp: number, id: string, sequence: number | null): ArchivedEvent {
  const at = new Date(timestamp).toISOString();
  const base: OlderEvent = {
    id,
    organizationId,
    instanceId: null,
    timestamp: at,
    action: 'sync',
    actor: { type: 'user', id: 'alice@example.com', ip: '' },
    object: {
      type: 'argocd_application',
      id: { name: 'guestbook', kind: 'Application', group: 'argoproj.io' },
      parentId: { name: 'prod', parentName: '', applicationName: '' },
    },
    details: { message: '', patch: '', actionType: 'sync' },
    count: 1,
    lastOccurredTimestamp: at,
  };
  return sequence === null
    ? base
    : { ...base, source: 'ingest', sourceKeyId: 'key_ci', credential: { type: 'api_key', id: 'key_ci' }, sequence };
}

export interface ArchiveSpec {
  startDate: string;
  revision?: number;
  /** One event per entry, spread over the week; null makes an older-shape event without a sequence. */
  sequences: (number | null)[];
  organizationId?: string;
  /** Overrides the previous manifest's hash (for forks and broken links). */
  previous?: string | null;
}

/** A built archive: its three files, named by stem as the service stores them. */
interface BuiltArchive {
  stem: string;
  zip: Uint8Array;
  manifest: Uint8Array;
  signature: Uint8Array;
  manifestSha256: string;
}

async function buildZip(days: ArchivedEvent[][], startDate: string): Promise<{ zip: Uint8Array; files: ManifestFile[] }> {
  const chunks: Uint8Array[] = [];
  const zip = new StreamingZip({ write: (chunk) => void chunks.push(chunk), drain: async () => {} });
  const files: ManifestFile[] = [];
  for (const [index, day] of week(startDate).days.entries()) {
    const writer = new DayFileWriter();
    const parts = [writer.page((days[index] ?? []).map((event) => JSON.stringify(event))), writer.end()];
    async function* bytes(): AsyncGenerator<Uint8Array> {
      yield* parts;
    }
    await zip.addEntry(`${day.date}.json`, new Date(day.startMs), bytes());
    files.push({ name: `${day.date}.json`, sha256: await sha256Hex(concat(parts)), records: writer.count });
  }
  await zip.finish();
  return { zip: concat(chunks), files };
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((total, part) => total + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Builds archives in the order given, each chained to the one before of its organization, one minute apart. */
export async function buildArchives(specs: readonly ArchiveSpec[]): Promise<BuiltArchive[]> {
  const heads = new Map<string, string>();
  const built: BuiltArchive[] = [];
  for (const [order, spec] of specs.entries()) {
    const organizationId = spec.organizationId ?? ORG;
    const revision = spec.revision ?? 1;
    const { days, startMs } = week(spec.startDate);
    const byDay: ArchivedEvent[][] = days.map(() => []);
    spec.sequences.forEach((sequence, index) => {
      const id = `ev-${spec.startDate}-${String(index).padStart(4, '0')}`;
      byDay[index % 7]?.push(event(organizationId, startMs + (index % 7) * 86_400_000 + index * 1000, id, sequence));
    });
    const { zip, files } = await buildZip(byDay, spec.startDate);
    const manifest: Manifest = {
      version: 1,
      organizationId,
      startDate: spec.startDate,
      endDate: week(spec.startDate).endDate,
      revision,
      generatedAt: new Date(Date.parse('2026-12-01T00:30:00Z') + order * 60_000).toISOString(),
      archive: { sha256: await sha256Hex(zip), bytes: zip.length, records: spec.sequences.length },
      files,
      previousManifestSha256: spec.previous === undefined ? (heads.get(organizationId) ?? null) : spec.previous,
    };
    const bytes = manifestBytes(manifest);
    const manifestSha256 = await sha256Hex(bytes);
    heads.set(organizationId, manifestSha256);
    const stem = revision === 1 ? spec.startDate : `${spec.startDate}.rev${revision}`;
    built.push({ stem, zip, manifest: bytes, signature: await signBytes(PRIVATE_KEY, bytes as Uint8Array<ArrayBuffer>), manifestSha256 });
  }
  return built;
}

/** The archives' files as a folder lists them; `replace` adds files or replaces some by name. */
export function folder(archives: readonly BuiltArchive[], replace: Record<string, Uint8Array> = {}): DirectoryFile[] {
  const files: Record<string, Uint8Array> = {};
  for (const archive of archives) {
    files[`${archive.stem}.zip`] = archive.zip;
    files[`${archive.stem}.manifest.json`] = archive.manifest;
    files[`${archive.stem}.sig`] = archive.signature;
  }
  Object.assign(files, replace);
  return Object.entries(files).map(([name, bytes]) => ({ name, read: async () => bytes }));
}

export const without = (files: DirectoryFile[], ...names: string[]) => files.filter((file) => !names.includes(file.name));
