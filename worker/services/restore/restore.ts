/**
 * Restore from archives (docs/OPERATIONS.md, "Recovery"): verify every requested week first, then
 * put back each week's missing events, day file by day file, in batches. Nothing is written unless
 * every week verified.
 */
import { verifyChain, zipStreamEntries } from '../../archive/verify/index.ts';
import { sha256Hex } from '../../auth/secrets.ts';
import type { RestoredWeek } from '../../contract/restore.ts';
import type { Database } from '../../db/client.ts';
import { ApiError, type FieldError } from '../../errors.ts';
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

/** The organization's manifests must form one unbroken hash chain (any week, any revision). */
async function checkChain(bucket: R2Bucket, manifests: readonly StoredRevision[]): Promise<FieldError[]> {
  const bytes: Uint8Array[] = [];
  const labels: string[] = [];
  for (const entry of manifests) {
    const data = await objectBytes(bucket, entry.keys.manifest);
    if (!data) continue;
    bytes.push(data);
    labels.push(entry.keys.manifest);
  }
  if (bytes.length === 0) return [];
  const report = await verifyChain(bytes, labels);
  return report.problems.slice(0, 10).map((detail) => ({ pointer: 'weeks', detail: `manifest chain: ${detail}` }));
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
  const chainProblems = await checkChain(deps.bucket, manifests);
  if (chainProblems.length > 0) {
    throw new ApiError(
      'archive-unverified',
      `Nothing was restored: the organization's archive manifests do not form one chain.`,
      chainProblems,
    );
  }
  const publicKeyPem = (await archivePublicKey(deps.signingKey)).pem;
  const verified: VerifiedWeek[] = [];
  const refusals: { index: number; refusal: WeekRefusal }[] = [];
  for (const [index, startDate] of weeks.entries()) {
    const result = await verifyWeek({ ...deps, publicKeyPem }, organizationId, startDate, manifests);
    if ('kind' in result) refusals.push({ index, refusal: result });
    else verified.push(result);
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
