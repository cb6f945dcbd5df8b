import { DAY_MS, dateString, weekStartDate } from '../archive/week.ts';
import { readConfig } from '../config.ts';
import { database } from '../db/client.ts';
import { shardDatabases, shardSet } from '../db/shards.ts';
import { type ArchiveJob, isDayJob, type WorkerEnv } from '../env.ts';
import { sendInBatches } from '../queue-batches.ts';
import { purgeEndedSignIns } from '../services/access/index.ts';
import { applyRetention, dueArchiveWeeks, expireArchives, organizationsWithDayEvents } from '../services/archive/index.ts';
import { backfillSearch, deliverPendingEvents, organizationShard } from '../services/event-store/index.ts';
import { purgeStreamDeliveries, wakeStreams } from '../services/log-streams/index.ts';
import { allSettings, defaultSettings } from '../services/organizations/index.ts';
import { runWebhookDailyJobs } from './webhook-daily.ts';

/** Older events re-indexed for free text per daily run (see services/event-store/search-backfill.ts). */
const SEARCH_BACKFILL_ROWS_PER_RUN = 200_000;

/**
 * The daily cron only decides what is due and fans it out: one queue message per organization
 * with events on the day that just ended (its day part, deflated ahead of the week), then one per
 * due (organization, week). Day jobs go first, so a week closing tonight finds its Sunday ready
 * when the queue runs them in order. Due-ness is recomputed from D1 each run, so a missed run
 * catches up by itself (a day without a part is deflated by its week's build).
 */
export async function enqueueDueArchives(env: WorkerEnv, now: number): Promise<ArchiveJob[]> {
  const yesterday = (Math.floor(now / DAY_MS) - 1) * DAY_MS;
  const due: ArchiveJob[] = [];
  for (const shard of shardDatabases(env)) {
    for (const organizationId of await organizationsWithDayEvents(shard.db, yesterday))
      due.push({ organizationId, date: dateString(yesterday) });
  }
  for (const shard of shardDatabases(env)) due.push(...(await dueArchiveWeeks(shard.db, weekStartDate(now))));
  await sendInBatches(
    env.ARCHIVE_QUEUE,
    due.map((job) => ({ body: job, contentType: 'json' })),
  );
  return due;
}

/**
 * Every job covers every shard (db/shards.ts): archives due, retention and archive expiry under
 * each organization's settings (read once from the main database), the free-text backfill, and
 * events of control-data changes still queued in the main database; then ended sessions and
 * expired sign-in ceremonies are forgotten, old stream delivery history is removed, and every log
 * stream that could deliver is woken.
 */
export async function runDailyJobs(env: WorkerEnv, now: number): Promise<void> {
  const control = database(env.DB);
  const shards = shardDatabases(env);
  const pending = await deliverPendingEvents(control, async (organizationId) =>
    database(shardSet(env).binding(await organizationShard(control, organizationId, now))),
  );
  const due = await enqueueDueArchives(env, now);
  const config = readConfig(env);
  const settings = await allSettings(control, config);
  for (const shard of shards) {
    const retention = await applyRetention(shard.db, env.ARCHIVES, env.ARCHIVE_SIGNING_KEY, now, defaultSettings(config), settings);
    const expiry = await expireArchives(shard.db, env.ARCHIVES, now, settings);
    const search = await backfillSearch(shard.db, Math.ceil(SEARCH_BACKFILL_ROWS_PER_RUN / shards.length));
    const streamDeliveries = await purgeStreamDeliveries(shard.db, now);
    console.log(
      JSON.stringify({
        job: 'daily',
        shard: shard.name,
        purgedWeeks: retention.purgedWeeks.length,
        deletedEvents: retention.deletedEvents,
        keptWeeks: retention.kept.length,
        expiredArchives: expiry.expired.length,
        searchBackfilled: search.indexed,
        searchBackfillOrganizationsLeft: search.organizationsLeft,
        streamDeliveriesPurged: streamDeliveries,
      }),
    );
  }
  const webhooks = await runWebhookDailyJobs(env, control, shards, now);
  const signIns = await purgeEndedSignIns(control, now);
  // The streams' safety net: a runner whose wake was lost delivers what waits for it.
  const streamsWoken = await wakeStreams(control, env.LOG_STREAM_RUNNER, null);
  console.log(
    JSON.stringify({
      job: 'daily',
      archivesEnqueued: due.filter((job) => !isDayJob(job)).length,
      dayPartsEnqueued: due.filter(isDayJob).length,
      pendingEventsDelivered: pending.delivered,
      pendingFailed: pending.failed,
      endedSessionsPurged: signIns.sessions,
      expiredChallengesPurged: signIns.challenges,
      streamsWoken,
      ...webhooks,
    }),
  );
}
