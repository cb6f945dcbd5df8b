import { readConfig } from '../config.ts';
import { database } from '../db/client.ts';
import { shardSet } from '../db/shards.ts';
import { type ArchiveDayJob, type ArchiveJob, type ArchiveWeekJob, isDayJob, type WorkerEnv } from '../env.ts';
import { archiveKeys, buildDayPart, buildWeekArchive } from '../services/archive/index.ts';
import { organizationShard } from '../services/event-store/index.ts';
import { requestArchiveExports } from '../services/log-streams/index.ts';

/** Retry delay: 30 s, 60 s, 120 s … capped at one hour; after max_retries the message goes to the DLQ. */
export function retryDelaySeconds(attempts: number): number {
  return Math.min(3600, 30 * 2 ** Math.max(0, attempts - 1));
}

/** Where a job's log lines say what it was about. */
const jobFields = (job: ArchiveJob) =>
  isDayJob(job) ? { job: 'archive-day', date: job.date } : { job: 'archive', startDate: job.startDate };

interface BuildContext {
  env: WorkerEnv;
  control: ReturnType<typeof database>;
  db: ReturnType<typeof database>;
  options: { now: number; settleMs: number };
}

/**
 * Hands the new revision to the log streams that export archives (docs/STREAMS.md, "Archive
 * export"). Never fails the build: the archive is stored and recorded by now, and a retry of the
 * job would find the week built and ask no one. A failure here is logged with the build.
 */
async function requestExports(
  env: WorkerEnv,
  control: BuildContext['control'],
  archive: { organizationId: string; startDate: string; revision: number; records: number },
) {
  const keys = archiveKeys(archive.organizationId, archive.startDate, archive.revision);
  try {
    return await requestArchiveExports(control, env.LOG_STREAM_RUNNER, { ...archive, keys: [keys.zip, keys.manifest, keys.signature] });
  } catch (error) {
    return `not requested: ${error instanceof Error ? error.message : String(error)}`;
  }
}

async function buildWeek({ env, control, db, options }: BuildContext, job: ArchiveWeekJob) {
  const deps = { db, bucket: env.ARCHIVES, signingKey: env.ARCHIVE_SIGNING_KEY };
  const result = await buildWeekArchive(deps, job.organizationId, job.startDate, options);
  if (!result) return 'not due';
  const { revision, records, bytes } = result.archive;
  const exports = await requestExports(env, control, { organizationId: job.organizationId, startDate: job.startDate, revision, records });
  return { revision, records, bytes, daysFromParts: result.daysFromParts, exports };
}

async function buildDay({ env, db, options }: BuildContext, job: ArchiveDayJob) {
  const part = await buildDayPart({ db, bucket: env.ARCHIVES }, job.organizationId, job.date, options);
  return part ? { records: part.records, dayFileBytes: part.size } : 'nothing to do';
}

export async function handleArchiveBatch(batch: MessageBatch<ArchiveJob>, env: WorkerEnv): Promise<void> {
  const control = database(env.DB);
  for (const message of batch.messages) {
    const job = message.body;
    const { organizationId } = job;
    const started = Date.now();
    try {
      const db = database(shardSet(env).binding(await organizationShard(control, organizationId)));
      const context = { env, control, db, options: { now: Date.now(), settleMs: readConfig(env).archiveSettleMs } };
      const built = isDayJob(job) ? await buildDay(context, job) : await buildWeek(context, job);
      console.log(JSON.stringify({ ...jobFields(job), built, organizationId, ms: Date.now() - started }));
      message.ack();
    } catch (error) {
      console.error(
        JSON.stringify({
          ...jobFields(job),
          organizationId,
          attempt: message.attempts,
          error: error instanceof Error ? error.message : String(error),
        }),
      );
      message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
    }
  }
}
