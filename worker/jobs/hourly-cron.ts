import { shardDatabases } from '../db/shards.ts';
import type { WorkerEnv } from '../env.ts';
import { ChainBrokenError, createCheckpoint, organizationsDueForCheckpoint } from '../services/integrity/index.ts';

/** The hourly trigger's schedule (wrangler.toml [triggers]). */
export const HOURLY_CRON = '0 * * * *';

/** Events read per hourly run over all shards: what is left is signed by the next runs (docs/INTEGRITY.md). */
const HOURLY_CHECKPOINT_EVENTS = 500_000;

export interface HourlyReport {
  checkpoints: number;
  eventsSigned: number;
  organizationsLeft: number;
  chainBroken: { organizationId: string; sequence: number }[];
}

/**
 * The hourly cron ("0 * * * *", beside the daily one): a signed checkpoint for every organization
 * with events after its latest one, on every shard, the longest-unsigned first, within a bounded
 * number of events per run (an organization over its share gets a checkpoint part of the way and
 * the rest next hour). A broken chain is logged, signs nothing, and does not stop the others.
 */
export async function runHourlyJobs(env: WorkerEnv, now: number, budget = HOURLY_CHECKPOINT_EVENTS): Promise<HourlyReport> {
  const report: HourlyReport = { checkpoints: 0, eventsSigned: 0, organizationsLeft: 0, chainBroken: [] };
  let left = budget;
  for (const shard of shardDatabases(env)) {
    for (const { organizationId, unsigned } of await organizationsDueForCheckpoint(shard.db)) {
      if (left <= 0) {
        report.organizationsLeft += 1;
        continue;
      }
      try {
        const deps = { db: shard.db, signingKey: env.ARCHIVE_SIGNING_KEY };
        const { created } = await createCheckpoint(deps, organizationId, { now, reason: 'hourly', maxEvents: left });
        const signed = created ? Math.min(unsigned, left) : 0;
        left -= signed;
        report.eventsSigned += signed;
        if (created) report.checkpoints += 1;
        if (unsigned > signed) report.organizationsLeft += 1;
      } catch (error) {
        if (!(error instanceof ChainBrokenError)) throw error;
        report.chainBroken.push({ organizationId, sequence: error.sequence });
        console.error(JSON.stringify({ job: 'hourly', organizationId, chainBroken: error.sequence, detail: error.message }));
      }
    }
  }
  console.log(JSON.stringify({ job: 'hourly', ...report }));
  return report;
}
