import { readConfig } from '../config';
import { database } from '../db/client';
import { shardSet } from '../db/shards';
import { organizationShard } from '../services/shard-routing';
import type { ArchiveJob, WorkerEnv } from '../env';
import { buildWeekArchive } from '../services/archive-builder';

/** Retry delay: 30 s, 60 s, 120 s … capped at one hour; after max_retries the message goes to the DLQ. */
export function retryDelaySeconds(attempts: number): number {
  return Math.min(3600, 30 * 2 ** Math.max(0, attempts - 1));
}

export async function handleArchiveBatch(batch: MessageBatch<ArchiveJob>, env: WorkerEnv): Promise<void> {
  const control = database(env.DB);
  for (const message of batch.messages) {
    const { organizationId, startDate } = message.body;
    const started = Date.now();
    try {
      const db = database(shardSet(env).binding(await organizationShard(control, organizationId)));
      const result = await buildWeekArchive({ db, bucket: env.ARCHIVES, signingKey: env.ARCHIVE_SIGNING_KEY }, organizationId, startDate, {
        now: Date.now(),
        settleMs: readConfig(env).archiveSettleMs,
      });
      console.log(
        JSON.stringify({
          job: 'archive',
          organizationId,
          startDate,
          built: result ? { revision: result.archive.revision, records: result.archive.records, bytes: result.archive.bytes } : 'not due',
          ms: Date.now() - started,
        }),
      );
      message.ack();
    } catch (error) {
      console.error(
        JSON.stringify({
          job: 'archive',
          organizationId,
          startDate,
          attempt: message.attempts,
          error: error instanceof Error ? error.message : String(error),
        }),
      );
      message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
    }
  }
}
