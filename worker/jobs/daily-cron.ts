import { weekStartDate } from '../archive/week';
import { readConfig } from '../config';
import { database } from '../db/client';
import type { ArchiveJob, WorkerEnv } from '../env';
import { dueArchiveWeeks } from '../services/archives';
import { expireArchives } from '../services/archive-expiry';
import { applyRetention } from '../services/retention';
import { allSettings, defaultSettings } from '../services/settings';
import { backfillSearch } from '../services/search-backfill';
import { runWebhookDailyJobs } from './webhook-daily';

/** Older events re-indexed for free text per daily run (see services/search-backfill.ts). */
const SEARCH_BACKFILL_ROWS_PER_RUN = 200_000;

/** Cloudflare Queues accept at most 100 messages per sendBatch call. */
const SEND_BATCH = 100;

/**
 * The daily cron only decides what is due and fans it out: one queue message per (organization,
 * week). Due-ness is recomputed from D1 each run, so a missed run catches up by itself.
 */
export async function enqueueDueArchives(env: WorkerEnv, now: number): Promise<ArchiveJob[]> {
  const due = await dueArchiveWeeks(database(env.DB), weekStartDate(now));
  for (let start = 0; start < due.length; start += SEND_BATCH) {
    await env.ARCHIVE_QUEUE.sendBatch(due.slice(start, start + SEND_BATCH).map((job) => ({ body: job, contentType: 'json' })));
  }
  return due;
}

export async function runDailyJobs(env: WorkerEnv, now: number): Promise<void> {
  const due = await enqueueDueArchives(env, now);
  const db = database(env.DB);
  const config = readConfig(env);
  const settings = await allSettings(db, config);
  const retention = await applyRetention(db, env.ARCHIVES, env.ARCHIVE_SIGNING_KEY, now, defaultSettings(config), settings);
  const expiry = await expireArchives(db, env.ARCHIVES, now, settings);
  const search = await backfillSearch(db, SEARCH_BACKFILL_ROWS_PER_RUN);
  const webhooks = await runWebhookDailyJobs(env, now);
  console.log(
    JSON.stringify({
      job: 'daily',
      archivesEnqueued: due.length,
      purgedWeeks: retention.purgedWeeks.length,
      deletedEvents: retention.deletedEvents,
      keptWeeks: retention.kept.length,
      expiredArchives: expiry.expired.length,
      searchBackfilled: search.indexed,
      searchBackfillOrganizationsLeft: search.organizationsLeft,
      ...webhooks,
    }),
  );
}
