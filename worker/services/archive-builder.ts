import { DayFileWriter } from '../archive/day-file';
import { importSigningKey, manifestBytes, signBytes, type Manifest, type ManifestFile } from '../archive/manifest';
import { Sha256Stream } from '../archive/sha256-stream';
import { week as isoWeek } from '../archive/week';
import { StreamingZip } from '../archive/zip-stream';
import type { Database } from '../db/client';
import { eventLineWriter } from '../events/event-line';
import { sha256Hex } from '../auth/secrets';
import {
  archiveFileNames,
  archiveKeys,
  InjectedFailure,
  MIN_PART_SIZE,
  MultipartSink,
  putArchiveSidecars,
  startMultipartUpload,
} from './archive-storage';
import { chainHead, dayEventPages, latestRevision, recordArchive, weekLastReceivedAt, type ArchiveRow } from './archives';

/**
 * Events are archived when received at least this long before the build starts: a request that
 * stamped its receipt time but has not committed yet is never skipped; it makes the next revision.
 */
export const SETTLE_MS = 60_000;

export type FailurePoint = 'mid-upload' | 'before-manifest' | 'before-row';

export interface BuildOptions {
  now: number;
  partSize?: number;
  pageSize?: number;
  /** How long before `now` an event must have been received to be included (default SETTLE_MS). */
  settleMs?: number;
  /** Tests only: throw at this point, to prove a retry ends consistent. */
  failAt?: FailurePoint;
}

export interface BuildResult {
  archive: ArchiveRow;
  manifest: Manifest;
  peakBufferedBytes: number;
  parts: number;
}

export class ChainMovedError extends Error {}

export interface ArchiveDeps {
  db: Database;
  bucket: R2Bucket;
  signingKey: string;
}

/** Whether the week has events received after its latest archive was built (or has no archive). */
export async function isDue(
  db: Database,
  organizationId: string,
  startDate: string,
): Promise<{ due: boolean; latest: ArchiveRow | null; lastReceived: number | null }> {
  const [lastReceived, latest] = await Promise.all([
    weekLastReceivedAt(db, organizationId, startDate),
    latestRevision(db, organizationId, startDate),
  ]);
  return { due: lastReceived !== null && lastReceived > (latest?.builtAt ?? -1), latest, lastReceived };
}

/**
 * Builds the next revision of one organization's week: D1 keyset pages → day files → streaming ZIP
 * → R2 multipart upload, then the signed manifest, then (last) the archives row. Returns null when
 * nothing is due, so duplicate queue messages and cron reruns build nothing.
 */
export async function buildWeekArchive(
  deps: ArchiveDeps,
  organizationId: string,
  startDate: string,
  options: BuildOptions,
): Promise<BuildResult | null> {
  const { db, bucket } = deps;
  const week = isoWeek(startDate); // throws on a malformed job: it is retried, then dead-lettered
  const { due, latest, lastReceived } = await isDue(db, organizationId, startDate);
  if (!due) return null;
  const revision = (latest?.revision ?? 0) + 1;
  const snapshot = options.now - (options.settleMs ?? SETTLE_MS);
  // Events of this week are still arriving (some are younger than the settle time): building now
  // would give a partial revision, immediately due again. The week stays due; a later run builds it.
  if (lastReceived !== null && lastReceived > snapshot) return null;
  const previousManifestSha256 = await chainHead(db, organizationId);
  const keys = archiveKeys(organizationId, startDate, revision);
  const names = archiveFileNames(week.startDate, week.endDate);

  const upload = await startMultipartUpload(bucket, keys.zip, names.zip);
  const sink = new MultipartSink(upload, options.partSize ?? MIN_PART_SIZE, options.failAt === 'mid-upload' ? 1 : null);
  const files: ManifestFile[] = [];
  let zipped: { sha256: string; bytes: number };
  try {
    const zip = new StreamingZip(sink);
    const line = eventLineWriter(organizationId);
    for (const day of week.days) {
      const writer = new DayFileWriter();
      const digest = new Sha256Stream();
      const pages = dayEventPages(db, organizationId, day, snapshot, options.pageSize ?? 1000);
      async function* dayBytes(): AsyncGenerator<Uint8Array> {
        for await (const rows of pages) {
          const bytes = writer.page(rows.map(line));
          await digest.write(bytes);
          yield bytes;
        }
        const tail = writer.end();
        await digest.write(tail);
        yield tail;
      }
      // Fixed entry time (the day itself, 00:00 UTC): same events → byte-identical ZIP.
      await zip.addEntry(`${day.date}.json`, new Date(day.startMs), dayBytes());
      files.push({ name: `${day.date}.json`, sha256: await digest.hex(), records: writer.count });
    }
    await zip.finish();
    zipped = await sink.complete();
  } catch (error) {
    // No half-written object stays behind; the retry starts a fresh upload.
    await sink.abort().catch(() => undefined);
    throw error;
  }

  const records = files.reduce((sum, file) => sum + file.records, 0);
  const manifest: Manifest = {
    version: 1,
    organizationId,
    startDate: week.startDate,
    endDate: week.endDate,
    revision,
    generatedAt: new Date(options.now).toISOString(),
    archive: { sha256: zipped.sha256, bytes: zipped.bytes, records },
    files,
    previousManifestSha256,
  };
  const manifestData = manifestBytes(manifest);
  const signature = await signBytes(await importSigningKey(deps.signingKey), manifestData as Uint8Array<ArrayBuffer>);
  if (options.failAt === 'before-manifest') throw new InjectedFailure('injected failure before the manifest');
  await putArchiveSidecars(bucket, keys, manifestData, signature, names);
  if (options.failAt === 'before-row') throw new InjectedFailure('injected failure before the archives row');

  const archive: ArchiveRow = {
    organizationId,
    startDate,
    revision,
    r2Key: keys.zip,
    bytes: zipped.bytes,
    sha256: zipped.sha256,
    records,
    manifestSha256: await sha256Hex(manifestData),
    previousManifestSha256,
    builtAt: snapshot,
    expiredAt: null,
  };
  if (!(await recordArchive(db, archive))) {
    throw new ChainMovedError(
      `Another archive of ${organizationId} was recorded during this build; retrying rebuilds on the new chain head.`,
    );
  }
  return { archive, manifest, peakBufferedBytes: sink.peakBufferedBytes, parts: sink.partCount };
}
