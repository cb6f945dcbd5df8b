/**
 * Restore from archives (docs/OPERATIONS.md, "Recovery"): verify every requested week first, then
 * put back each week's missing events, day file by day file, in batches. Nothing is written unless
 * every week verified.
 */
import { verifyChain, zipStreamEntries } from '../../archive/verify/index.ts';
import { sha256Hex } from '../../auth/secrets.ts';
import type { RestoredWeek } from '../../contract/restore.ts';
import type { Database } from '../../db/client.ts';
import { ApiError } from '../../errors.ts';
import { archivePublicKey } from '../archive/index.ts';
import { listManifests, objectBytes, type StoredRevision, zipChunks } from './archive-files.ts';
import { type Conflict, classifyRows, dayFileEvents, insertMissing, markWeekHot, prepareRestore } from './restore-rows.ts';
import { type VerifiedWeek, verifyWeek, type WeekRefusal } from './verify-week.ts';

/** Events per write batch (one D1 transaction). */
const BATCH = 500;
const MAX_CONFLICTS_LISTED = 100;

export interface RestoreDeps {
  /** The organization's shard. */
  db: Database;
  bucket: R2Bucket;
  signingKey: string;
}

interface ChainEntry {
  key: string;
  bytes: Uint8Array;
  previous: string | null;
}

/** Every manifest of the organization in R2, by the sha256 of its exact bytes. */
async function manifestsBySha(bucket: R2Bucket, manifests: readonly StoredRevision[]): Promise<Map<string, ChainEntry>> {
  const bySha = new Map<string, ChainEntry>();
  for (const entry of manifests) {
    const bytes = await objectBytes(bucket, entry.keys.manifest);
    if (!bytes) continue;
    let previous: string | null = null;
    try {
      const parsed = JSON.parse(new TextDecoder().decode(bytes)) as { previousManifestSha256?: unknown };
      previous = typeof parsed.previousManifestSha256 === 'string' ? parsed.previousManifestSha256 : null;
    } catch {
      // Not JSON: the week's own verification names it; as a link it ends the chain.
    }
    bySha.set(await sha256Hex(bytes), { key: entry.keys.manifest, bytes, previous });
  }
  return bySha;
}

/**
 * The hash chain behind one manifest, back to the organization's first (previousManifestSha256
 * null), checked by the shared verifier (verifyChain): every predecessor must be in R2, each link
 * the sha256 of the one before. Objects a failed build left behind (never recorded, never linked
 * to) are not on it. Returns the problems (none: the chain verifies).
 */
async function chainProblems(bySha: ReadonlyMap<string, ChainEntry>, start: string): Promise<string[]> {
  const path: ChainEntry[] = [];
  const seen = new Set<string>();
  let sha: string | null = [...bySha].find(([, entry]) => entry.key === start)?.[0] ?? null;
  while (sha !== null) {
    const entry = bySha.get(sha);
    if (!entry) return [`manifest chain: ${path.at(-1)?.key ?? start} names previous manifest sha256 ${sha}, which no manifest in R2 has`];
    if (seen.has(sha)) return [`manifest chain: loops at ${entry.key}`];
    seen.add(sha);
    path.push(entry);
    sha = entry.previous;
  }
  if (path.length === 0) return [`manifest chain: ${start} could not be read`];
  const ordered = path.reverse();
  const report = await verifyChain(
    ordered.map((entry) => entry.bytes),
    ordered.map((entry) => entry.key),
  );
  return report.problems.map((problem) => `manifest chain: ${problem}`);
}

function refusalError(refusals: { index: number; refusal: WeekRefusal }[]): ApiError {
  const errors = refusals.map(({ index, refusal }) => ({ pointer: `weeks/${index}`, detail: refusal.detail }));
  const first = refusals[0]?.refusal;
  const code = refusals.some(({ refusal }) => refusal.kind === 'unverified')
    ? 'archive-unverified'
    : first?.kind === 'expired'
      ? 'archive-expired'
      : 'not-found';
  const files = refusals.map(({ refusal }) => refusal.file).join(', ');
  return new ApiError(
    code,
    `Nothing was restored: ${first?.detail ?? ''}${refusals.length > 1 ? ` (files at fault: ${files})` : ''}`,
    errors,
  );
}

/** Verifies every week, then restores each. Throws (restoring nothing) when any week does not verify. */
export async function restoreWeeks(deps: RestoreDeps, organizationId: string, weeks: readonly string[]): Promise<RestoredWeek[]> {
  const manifests = await listManifests(deps.bucket, organizationId);
  const bySha = await manifestsBySha(deps.bucket, manifests);
  const publicKeyPem = (await archivePublicKey(deps.signingKey)).pem;
  const verified: VerifiedWeek[] = [];
  const refusals: { index: number; refusal: WeekRefusal }[] = [];
  for (const [index, startDate] of weeks.entries()) {
    const result = await verifyWeek({ ...deps, publicKeyPem }, organizationId, startDate, manifests);
    if ('kind' in result) {
      refusals.push({ index, refusal: result });
      continue;
    }
    const problems = await chainProblems(bySha, result.stored.keys.manifest);
    if (problems.length > 0) {
      const file = result.stored.keys.manifest;
      refusals.push({
        index,
        refusal: { kind: 'unverified', file, detail: `${file} does not verify: ${problems.slice(0, 5).join('; ')}` },
      });
    } else verified.push(result);
  }
  if (refusals.length > 0) throw refusalError(refusals);
  const restored: RestoredWeek[] = [];
  for (const week of verified) restored.push(await restoreWeek(deps, organizationId, week));
  return restored;
}

/**
 * One verified week: its ZIP read again (pinned to the verified ETag), each day file re-hashed
 * against the manifest, its events classified and the missing ones inserted, BATCH at a time.
 */
async function restoreWeek(deps: RestoreDeps, organizationId: string, week: VerifiedWeek): Promise<RestoredWeek> {
  const zip = await zipChunks(deps.bucket, week.stored.keys.zip, week.etag);
  if (!zip) throw new Error(`${week.stored.keys.zip} changed or disappeared after it verified; nothing more of it was restored.`);
  let restored = 0;
  let present = 0;
  const conflicts: Conflict[] = [];
  for await (const entry of zipStreamEntries(zip.chunks, { maxEntryBytes: 256 * 1024 * 1024 })) {
    if ((await sha256Hex(entry.data)) !== week.files.get(entry.name)) {
      throw new Error(`${week.stored.keys.zip}: ${entry.name} differs from the file that verified.`);
    }
    const day = dayFileEvents(organizationId, entry.name, entry.data);
    for (let start = 0; start < day.events.length; start += BATCH) {
      const slice = { events: day.events.slice(start, start + BATCH), sequences: day.sequences.slice(start, start + BATCH) };
      const { rows, search } = await prepareRestore(organizationId, slice, week.receivedAt);
      const classified = await classifyRows(deps.db, organizationId, rows);
      conflicts.push(...classified.conflicts);
      const ids = new Set(classified.missing.map((row) => row.id));
      const inserted = await insertMissing(
        deps.db,
        organizationId,
        classified.missing,
        search.filter((entry) => ids.has(entry.id)),
      );
      restored += inserted;
      present += classified.present + (classified.missing.length - inserted);
    }
  }
  if (restored > 0) await markWeekHot(deps.db, organizationId, week.startDate);
  return {
    week: week.startDate,
    revision: week.stored.revision,
    archive: week.stored.keys.zip,
    events: week.records,
    restored,
    alreadyPresent: present,
    conflicting: conflicts.length,
    conflicts: conflicts.slice(0, MAX_CONFLICTS_LISTED),
  };
}
