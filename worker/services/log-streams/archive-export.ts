/**
 * Archive export (docs/STREAMS.md, "Archive export"): an s3 stream with `exportArchives: true`
 * gets a copy of each weekly archive revision built while it is set (ZIP, manifest, signature).
 * The archive job only asks each such stream's runner (jobs/log-stream-runner.ts) to export it;
 * the runner keeps the request in its own Durable Object storage until every file is copied, so a
 * destination that is down when the archive is built gets it when it is back, and the build never
 * waits on a destination. The runner's alarm copies one archive per run, after the event batches.
 */
import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Database } from '../../db/client.ts';
import { type LogStreamRow, logStreams } from '../../db/schema.ts';
import type { WorkerEnv } from '../../env.ts';
import { attemptVerdict, retryDelayMs } from '../../streams/delivery-policy.ts';
import type { S3Settings } from '../../streams/destinations/s3.ts';
import { decryptSecret } from '../../webhooks/secret-box.ts';
import { copyArchiveFile } from './archive-copy.ts';
import type { StreamRunDeps } from './deliver.ts';
import { recordDelivery } from './deliveries.ts';
import { s3Settings } from './requests.ts';
import type { StreamSettings } from './settings.ts';

/** One archive revision to copy: its R2 keys (each file keeps its R2 name at the destination). */
export interface ArchiveExport {
  organizationId: string;
  startDate: string;
  revision: number;
  records: number;
  keys: string[];
}

/** What a runner still owes its bucket for one archive revision. */
interface PendingExport {
  archive: ArchiveExport;
  /** Keys already copied (or no longer stored): a retry sends only the rest. */
  done: string[];
  failingSince: number | null;
  nextAt: number;
}

export type ArchiveExportDeps = StreamRunDeps & { bucket: R2Bucket };

const PENDING = 'archive-export:';
/** Sorted by week then revision, so copies go out in build order when several are waiting. */
const pendingKey = (archive: ArchiveExport) => `${PENDING}${archive.startDate}:${String(archive.revision).padStart(6, '0')}`;
const fileName = (key: string) => key.slice(key.lastIndexOf('/') + 1);

const exportsArchives = (row: Pick<LogStreamRow, 'type' | 'settingsJson'>) =>
  row.type === 's3' && (JSON.parse(row.settingsJson) as StreamSettings).exportArchives === true;

/**
 * Asks every live s3 stream of the organization with `exportArchives: true` to copy the archive,
 * switched off and `invalid` ones included: they keep it until they may send again (switched on,
 * or a new configuration). Returns how many streams were asked.
 */
export async function requestArchiveExports(
  control: Database,
  runners: WorkerEnv['LOG_STREAM_RUNNER'],
  archive: ArchiveExport,
): Promise<number> {
  const rows = await control
    .select({ id: logStreams.id })
    .from(logStreams)
    .where(
      and(
        eq(logStreams.organizationId, archive.organizationId),
        isNull(logStreams.deletedAt),
        eq(logStreams.type, 's3'),
        sql`json_extract(${logStreams.settingsJson}, '$.exportArchives') = 1`,
      ),
    );
  await Promise.all(rows.map((row) => runners.get(runners.idFromName(row.id)).exportArchive(row.id, archive)));
  return rows.length;
}

/** Keeps an export request in the runner's storage; a duplicate request keeps the progress made. */
export async function addPendingExport(storage: DurableObjectStorage, archive: ArchiveExport): Promise<void> {
  const key = pendingKey(archive);
  if ((await storage.get(key)) === undefined) await storage.put(key, { archive, done: [], failingSince: null, nextAt: 0 });
}

const earliest = (pending: Map<string, PendingExport>): number | null =>
  pending.size === 0 ? null : Math.min(...[...pending.values()].map((entry) => entry.nextAt));

/** 401, 403 or 404 on a copy: the credentials or the bucket are wrong, as for a batch; only a new configuration helps. */
async function markInvalid(control: Database, row: LogStreamRow, since: number): Promise<void> {
  await control
    .update(logStreams)
    .set({ state: 'invalid', failingSince: sql`coalesce(${logStreams.failingSince}, ${since})` })
    .where(
      and(eq(logStreams.id, row.id), eq(logStreams.updatedAt, row.updatedAt), isNull(logStreams.deletedAt), eq(logStreams.active, true)),
    );
}

/** The history's account of a file archive retention removed before it was copied. */
const NO_LONGER_STORED = { ok: false, status: 0, body: '', error: 'not copied: no longer stored (archive retention)', ms: 0 };

/**
 * Copies the files of one pending export not copied yet, in order, recording each attempt (kind
 * `archive`) and saving the entry after each. Stops at the first refusal: 'invalid' (401, 403,
 * 404: the stream is marked so) or 'retry' (the entry says when).
 */
async function copyPending(
  deps: ArchiveExportDeps,
  row: LogStreamRow,
  settings: S3Settings,
  entry: PendingExport,
  save: () => Promise<void>,
): Promise<'done' | 'invalid' | 'retry'> {
  const events = await deps.shardDbFor(row.organizationId);
  const { organizationId, startDate, records } = entry.archive;
  for (const key of entry.archive.keys.filter((key) => !entry.done.includes(key))) {
    const file = fileName(key);
    const started = Date.now();
    const copy = await copyArchiveFile(deps.bucket, settings, { organizationId, startDate, file, key }, deps.allowInsecure);
    const outcome = copy.missing ? NO_LONGER_STORED : copy.outcome;
    const request = { firstSequence: 0, lastSequence: 0, eventCount: file.endsWith('.zip') ? records : 0 };
    const recorded = { ...outcome, error: outcome.error && `${file}: ${outcome.error}` };
    await recordDelivery(events, 'archive', row, { ...request, body: { byteLength: copy.missing ? 0 : copy.bytes } }, recorded, started);
    if (copy.missing || copy.outcome.ok) {
      Object.assign(entry, { done: [...entry.done, key], failingSince: null });
      await save();
      continue;
    }
    if (attemptVerdict(copy.outcome) === 'invalid') {
      await markInvalid(deps.control, row, started);
      // The stream waits for a new configuration, which wakes its runner: then the copy goes at
      // once, and its backoff starts afresh (the old credentials' failures say nothing of the new ones).
      Object.assign(entry, { failingSince: null, nextAt: 0 });
      await save();
      return 'invalid';
    }
    const now = Date.now();
    const failingSince = entry.failingSince ?? started;
    Object.assign(entry, { failingSince, nextAt: now + retryDelayMs(failingSince, now, copy.outcome.retryAfterMs) });
    await save();
    return 'retry';
  }
  return 'done';
}

/**
 * The export step of a runner's alarm: copies the first pending export that is due, then says
 * when to run again (null: nothing pending, or the stream cannot send until it is changed).
 * A deleted stream, or one no longer exporting, drops what it had pending.
 */
export async function exportNextArchive(deps: ArchiveExportDeps, storage: DurableObjectStorage, streamId: string): Promise<number | null> {
  const pending = await storage.list<PendingExport>({ prefix: PENDING });
  if (pending.size === 0) return null;
  const [row] = await deps.control
    .select()
    .from(logStreams)
    .where(and(eq(logStreams.id, streamId), isNull(logStreams.deletedAt)))
    .limit(1);
  if (!row || !exportsArchives(row)) {
    await storage.delete([...pending.keys()]);
    return null;
  }
  // Switched off or invalid: a PUT (or switching it on) wakes the runner.
  if (!row.active || row.state === 'invalid' || row.state === 'inactive') return null;
  const due = [...pending].find(([, entry]) => entry.nextAt <= Date.now());
  if (!due) return earliest(pending);
  const [key, entry] = due;
  let settings: S3Settings;
  try {
    settings = s3Settings(
      JSON.parse(row.settingsJson) as StreamSettings,
      await decryptSecret(deps.secretKey, row.id, row.secretCiphertext),
    );
  } catch {
    return null; // the event run of the same alarm marks the stream invalid
  }
  const result = await copyPending(deps, row, settings, entry, () => storage.put(key, entry));
  if (result === 'invalid') return null;
  if (result === 'done') {
    await storage.delete(key);
    pending.delete(key);
  }
  return earliest(pending);
}
