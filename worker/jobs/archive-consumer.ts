import { readConfig } from '../config';
import { database } from '../db/client';
import { shardSet } from '../db/shards';
import { organizationShard } from '../services/shard-routing';
import type { ArchiveDayJob, ArchiveJob, ArchiveWeekJob, WorkerEnv } from '../env';
import { buildDayPart, buildWeekArchive } from '../services/archive-builder';

/** Retry delay: 30 s, 60 s, 120 s … capped at one hour; after max_retries the message goes to the DLQ. */
export function retryDelaySeconds(attempts: number): number {
  return Math.min(3600, 30 * 2 ** Math.max(0, attempts - 1));
}

const isDayJob = (job: ArchiveJob): job is ArchiveDayJob => 'date' in job;

async function buildWeek(env: WorkerEnv, db: ReturnType<typeof database>, job: ArchiveWeekJob) {
  const result = await buildWeekArchive(
    { db, bucket: env.ARCHIVES, signingKey: env.ARCHIVE_SIGNING_KEY },
    job.organizationId,
    job.startDate,
    {
      now: Date.now(),
      settleMs: readConfig(env).archiveSettleMs,
    },
  );
  return {
    job: 'archive',
    startDate: job.startDate,
    built: result
      ? {
          revision: result.archive.revision,
          records: result.archive.records,
          bytes: result.archive.bytes,
          daysFromParts: result.daysFromParts,
        }
      : 'not due',
  };
}

async function buildDay(env: WorkerEnv, db: ReturnType<typeof database>, job: ArchiveDayJob) {
  const part = await buildDayPart({ db, bucket: env.ARCHIVES }, job.organizationId, job.date, {
    now: Date.now(),
    settleMs: readConfig(env).archiveSettleMs,
  });
  return { job: 'archive-day', date: job.date, built: part ? { records: part.records, dayFileBytes: part.size } : 'nothing to do' };
}

export async function handleArchiveBatch(batch: MessageBatch<ArchiveJob>, env: WorkerEnv): Promise<void> {
  const control = database(env.DB);
  for (const message of batch.messages) {
    const job = message.body;
    const { organizationId } = job;
    const started = Date.now();
    try {
      const db = database(shardSet(env).binding(await organizationShard(control, organizationId)));
      const outcome = isDayJob(job) ? await buildDay(env, db, job) : await buildWeek(env, db, job);
      console.log(JSON.stringify({ ...outcome, organizationId, ms: Date.now() - started }));
      message.ack();
    } catch (error) {
      console.error(
        JSON.stringify({
          job: isDayJob(job) ? 'archive-day' : 'archive',
          organizationId,
          ...(isDayJob(job) ? { date: job.date } : { startDate: job.startDate }),
          attempt: message.attempts,
          error: error instanceof Error ? error.message : String(error),
        }),
      );
      message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
    }
  }
}
