import type { Database } from '../db/client.ts';
import type { WorkerEnv } from '../env.ts';
import { organizationsWithActiveConfigs, purgeDeliveryHistory, sendDispatch } from '../services/webhooks/index.ts';

/**
 * The webhooks' part of the daily run: a nudge for every organization with an active webhook
 * (configs are in the main database; a safety net: a lost nudge or message is picked up within a
 * day at worst, and the dispatcher then sends again pending deliveries whose message was lost),
 * and the delivery-history retention in every shard (deliveries live beside their events).
 */
export async function runWebhookDailyJobs(env: WorkerEnv, control: Database, shards: { name: string; db: Database }[], now: number) {
  const organizations = await organizationsWithActiveConfigs(control);
  await sendDispatch(env.WEBHOOK_DISPATCH_QUEUE, organizations);
  let purgedDeliveries = 0;
  for (const shard of shards) purgedDeliveries += await purgeDeliveryHistory(shard.db, now);
  return { webhookOrganizationsNudged: organizations.length, purgedDeliveries };
}
