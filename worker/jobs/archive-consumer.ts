import { readConfig } from '../config.ts';
import { database } from '../db/client.ts';
import { shardSet } from '../db/shards.ts';
import { type ArchiveDayJob, type ArchiveJob, type ArchiveWeekJob, isDayJob, type WorkerEnv } from '../env.ts';
import { buildDayPart, buildWeekArchive } from '../services/archive/index.ts';
import { organizationShard } from '../services/event-store/index.ts';

/** Retry delay: 30 s, 60 s, 120 s … capped at one hour; after max_retries the message goes to the DLQ. */
export function retryDelaySeconds(attempts: number): number {
  return Math.min(3600, 30 * 2 ** Math.max(0, attempts - 1));
}

/** Where a job's log lines say what it was about. */
const jobFields = (job: ArchiveJob) =>
  isDayJob(job) ? { job: 'archive-day', date: job.date } : { job: 'archive', startDate: job.startDate };

interface BuildContext {
  env: WorkerEnv;
  db: ReturnType<typeof database>;
  options: { now: number; settleMs: number };
}

async function buildWeek({ env, db, options }: BuildContext, job: ArchiveWeekJob) {
  const deps = { db, bucket: env.ARCHIVES, signingKey: env.ARCHIVE_SIGNING_KEY };
  const result = await buildWeekArchive(deps, job.organizationId, job.startDate, options);
  if (!result) return 'not due';
  const { revision, records, bytes } = result.archive;
  return { revision, records, bytes, daysFromParts: result.daysFromParts };
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
      const context = { env, db, options: { now: Date.now(), settleMs: readConfig(env).archiveSettleMs } };
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
