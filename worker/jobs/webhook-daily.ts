import { database } from '../db/client';
import type { WorkerEnv } from '../env';
import { organizationsWithActiveConfigs } from '../services/notification-configs';
import { sendDispatch } from '../services/webhook-queues';
import { purgeDeliveryHistory } from '../services/webhook-retention';

/**
 * The webhooks' part of the daily run: a nudge for every organization with an active webhook
 * (a safety net: a lost nudge or message is picked up within a day at worst, and pending
 * deliveries whose message was lost are sent again), and the delivery-history retention.
 */
export async function runWebhookDailyJobs(env: WorkerEnv, now: number) {
  const db = database(env.DB);
  const organizations = await organizationsWithActiveConfigs(db);
  await sendDispatch(env.WEBHOOK_DISPATCH_QUEUE, organizations);
  const purgedDeliveries = await purgeDeliveryHistory(db, now);
  return { webhookOrganizationsNudged: organizations.length, purgedDeliveries };
}
