import { DayFileWriter } from '../../archive/day-file.ts';
import { importSigningKey, type Manifest, type ManifestFile, manifestBytes, signBytes } from '../../archive/manifest.ts';
import { Sha256Stream } from '../../archive/sha256-stream.ts';
import { DAY_MS, dateMs, week as isoWeek, type Week } from '../../archive/week.ts';
import { EntryDeflater, StreamingZip } from '../../archive/zip-stream.ts';
import { sha256Hex } from '../../auth/secrets.ts';
import type { Database } from '../../db/client.ts';
import { eventLineWriter } from '../../events/event-line.ts';
import type { EventColumns } from '../../events/event-shape.ts';
import { ChainBrokenError, chainHashAt } from '../integrity/index.ts';
import {
  type ArchiveRow,
  chainHead,
  dayEventPages,
  dayFingerprint,
  latestRevision,
  recordArchive,
  weekLastReceivedAt,
} from './archive-rows.ts';
import { type DayPartSummary, dayPartKeys, findDayPart, hasDayPart, putDayPartSummary } from './day-parts.ts';
import {
  archiveFileNames,
  archiveKeys,
  firstFreeRevision,
  InjectedFailure,
  MIN_PART_SIZE,
  MultipartSink,
  putArchiveSidecars,
  refuseIfTaken,
  startMultipartUpload,
} from './storage.ts';

/**
 * Events are archived when received at least this long before the build starts: a request that
 * stamped its receipt time but has not committed yet is never skipped; it makes the next revision.
 */
const SETTLE_MS = 60_000;

/** Rows per D1 keyset page; a page is also one deflate chunk, so it is part of a day part's key. */
export const DEFAULT_PAGE_SIZE = 1000;

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
  /** Days whose entry came from a part deflated ahead (services/archive/day-parts.ts). */
  daysFromParts: number;
}

class ChainMovedError extends Error {}

export interface ArchiveDeps {
  db: Database;
  bucket: R2Bucket;
  signingKey: string;
}

/** Whether the week has events received after its latest archive was built (or has no archive). */
async function isDue(
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
  const snapshot = options.now - (options.settleMs ?? SETTLE_MS);
  // Events of this week are still arriving (some are younger than the settle time): building now
  // would give a partial revision, immediately due again. The week stays due; a later run builds it.
  if (lastReceived !== null && lastReceived > snapshot) return null;
  const previousManifestSha256 = await chainHead(db, organizationId);
  // Write-once: a revision whose keys hold objects (a build that failed late) is stepped over.
  const revision = await firstFreeRevision(bucket, organizationId, startDate, (latest?.revision ?? 0) + 1);
  const keys = archiveKeys(organizationId, startDate, revision);
  const names = archiveFileNames(week.startDate, week.endDate);
  const zip = await uploadWeekZip(deps, organizationId, week, snapshot, { key: keys.zip, fileName: names.zip }, options);

  const records = zip.files.reduce((sum, file) => sum + file.records, 0);
  const chainHash = await weekChainHash(deps, organizationId, zip.maxSequence, options.now);
  const manifest: Manifest = {
    version: 1,
    organizationId,
    startDate: week.startDate,
    endDate: week.endDate,
    revision,
    generatedAt: new Date(options.now).toISOString(),
    archive: { sha256: zip.sha256, bytes: zip.bytes, records },
    files: zip.files,
    previousManifestSha256,
    ...(chainHash === null ? {} : { chainHash }),
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
    bytes: zip.bytes,
    sha256: zip.sha256,
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
  const { peakBufferedBytes, parts, daysFromParts } = zip;
  return { archive, manifest, peakBufferedBytes, parts, daysFromParts };
}

/**
 * The manifest's chainHash: chain(n) at the week's highest sequence n (a checkpoint is signed there
 * when the chain has not reached it yet, so it stays anchored after retention). A gap or repeated
 * number in the stored sequence below n leaves it out, loudly: the archive still records what is
 * stored, and the checkpoints signed before the change show what was (docs/INTEGRITY.md).
 */
async function weekChainHash(deps: ArchiveDeps, organizationId: string, maxSequence: number, now: number): Promise<string | null> {
  if (maxSequence === 0) return null;
  try {
    return await chainHashAt({ db: deps.db, signingKey: deps.signingKey }, organizationId, maxSequence, now);
  } catch (error) {
    if (!(error instanceof ChainBrokenError)) throw error;
    console.error(JSON.stringify({ job: 'archive', organizationId, chainBroken: error.sequence, detail: error.message }));
    return null;
  }
}

/** A week's ZIP once stored in R2: its day files as the manifest lists them, and how it was written. */
interface StoredZip {
  files: ManifestFile[];
  sha256: string;
  bytes: number;
  /** The highest sequence among the week's events (0: none). */
  maxSequence: number;
  peakBufferedBytes: number;
  parts: number;
  daysFromParts: number;
}

/**
 * Streams the week's seven day files into one ZIP, uploaded to R2 as a multipart upload as it
 * grows. A day takes the part deflated ahead when that holds exactly the day's events, else it is
 * read from D1 page by page. On any failure the upload is aborted: no half-written object stays
 * behind, and the retry starts a fresh one.
 */
async function uploadWeekZip(
  deps: ArchiveDeps,
  organizationId: string,
  week: Week,
  snapshot: number,
  target: { key: string; fileName: string },
  options: BuildOptions,
): Promise<StoredZip> {
  const { db, bucket } = deps;
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  const upload = await startMultipartUpload(bucket, target.key, target.fileName);
  const sink = new MultipartSink(upload, options.partSize ?? MIN_PART_SIZE, options.failAt === 'mid-upload' ? 1 : null);
  const files: ManifestFile[] = [];
  let daysFromParts = 0;
  let maxSequence = 0;
  try {
    const zip = new StreamingZip(sink);
    const line = eventLineWriter(organizationId);
    for (const day of week.days) {
      const name = `${day.date}.json`;
      // Fixed entry time (the day itself, 00:00 UTC): same events → byte-identical ZIP.
      const mtime = new Date(day.startMs);
      const fingerprint = await dayFingerprint(db, organizationId, day, snapshot);
      const part = fingerprint.records > 0 ? await findDayPart(bucket, organizationId, day.date, pageSize, fingerprint) : null;
      if (part) {
        await zip.addDeflatedEntry(name, mtime, part.deflated, () => part.summary);
        files.push({ name, sha256: part.summary.sha256, records: part.summary.records });
        maxSequence = Math.max(maxSequence, part.summary.maxSequence);
        daysFromParts += 1;
        continue;
      }
      const source = dayFileSource(db, organizationId, day, snapshot, pageSize, line);
      await zip.addEntry(name, mtime, source.chunks);
      const summary = await source.summary();
      files.push({ name, sha256: summary.sha256, records: summary.records });
      maxSequence = Math.max(maxSequence, summary.maxSequence);
    }
    await zip.finish();
    // No overwrite: a build racing this one for the same revision got there first.
    await refuseIfTaken(bucket, target.key);
    const zipped = await sink.complete();
    return { files, ...zipped, maxSequence, peakBufferedBytes: sink.peakBufferedBytes, parts: sink.partCount, daysFromParts };
  } catch (error) {
    await sink.abort().catch(() => undefined);
    throw error;
  }
}

interface DayFileSource {
  /** The day file's bytes, page by page. */
  chunks: AsyncGenerator<Uint8Array>;
  /** Once `chunks` is exhausted: how many events, the highest sequence, and the file's SHA-256. */
  summary(): Promise<{ records: number; maxSequence: number; sha256: string }>;
}

/** One day file read from D1 in keyset pages (the events received by `snapshot`). */
function dayFileSource(
  db: Database,
  organizationId: string,
  day: { startMs: number; endMs: number },
  snapshot: number,
  pageSize: number,
  line: (row: EventColumns) => string,
): DayFileSource {
  const writer = new DayFileWriter();
  const digest = new Sha256Stream();
  let maxSequence = 0;
  async function* chunks(): AsyncGenerator<Uint8Array> {
    for await (const rows of dayEventPages(db, organizationId, day, snapshot, pageSize)) {
      for (const row of rows) maxSequence = Math.max(maxSequence, row.sequence);
      const bytes = writer.page(rows.map(line));
      await digest.write(bytes);
      yield bytes;
    }
    const tail = writer.end();
    await digest.write(tail);
    yield tail;
  }
  return { chunks: chunks(), summary: async () => ({ records: writer.count, maxSequence, sha256: await digest.hex() }) };
}

export interface DayPartOptions {
  now: number;
  settleMs?: number;
  pageSize?: number;
}

/**
 * Deflates one closed day of an organization ahead of its week's build (the daily cron's day
 * jobs): D1 pages → day file → the DEFLATE data the week's ZIP entry will hold → R2, then the
 * part's summary. Returns null when there is nothing to do: the day is still open or empty, or a
 * part of exactly these events exists (duplicate messages and reruns deflate nothing).
 */
export async function buildDayPart(
  deps: Pick<ArchiveDeps, 'db' | 'bucket'>,
  organizationId: string,
  date: string,
  options: DayPartOptions,
): Promise<DayPartSummary | null> {
  const { db, bucket } = deps;
  const dayStart = dateMs(date); // throws on a malformed job: it is retried, then dead-lettered
  const day = { startMs: dayStart, endMs: dayStart + DAY_MS };
  const snapshot = options.now - (options.settleMs ?? SETTLE_MS);
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  if (day.endMs > snapshot) return null;
  const fingerprint = await dayFingerprint(db, organizationId, day, snapshot);
  if (fingerprint.records === 0 || (await hasDayPart(bucket, organizationId, date, pageSize, fingerprint))) return null;

  const keys = dayPartKeys(organizationId, date, pageSize, fingerprint);
  const dataKey = keys.newData();
  const sink = new MultipartSink(await bucket.createMultipartUpload(dataKey), MIN_PART_SIZE);
  const source = dayFileSource(db, organizationId, day, snapshot, pageSize, eventLineWriter(organizationId));
  const deflater = new EntryDeflater();
  let summary: DayPartSummary;
  try {
    for await (const chunk of deflater.deflate(source.chunks)) {
      sink.write(chunk);
      await sink.drain();
    }
    const { bytes } = await sink.complete();
    summary = { ...(await source.summary()), ...deflater.result, deflatedBytes: bytes, dataKey };
  } catch (error) {
    await sink.abort().catch(() => undefined);
    throw error;
  }
  if (summary.records !== fingerprint.records || summary.maxSequence !== fingerprint.maxSequence) {
    // An event committed between the fingerprint and the read (a commit slower than the settle
    // time): these bytes are not the part that key names. The retry fingerprints again.
    await bucket.delete(dataKey);
    throw new Error(`Events of ${date} changed while it was deflated; retrying.`);
  }
  await putDayPartSummary(bucket, keys.summary, summary);
  return summary;
}
