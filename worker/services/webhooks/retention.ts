import { sql } from 'drizzle-orm';
import { DAY_MS } from '../../archive/week.ts';
import type { Database } from '../../db/client.ts';
import { eventUlid } from '../../db/ids.ts';
import { webhookAttempts, webhookDeliveries } from '../../db/schema.ts';

/** Delivery history is kept this long (the events themselves stay in the audit log and archives). */
const DELIVERY_HISTORY_DAYS = 30;
/** Deliveries removed per daily run at most, so one run stays short; a backlog shrinks over the following runs. */
const PURGE_LIMIT = 5000;

/**
 * Removes finished deliveries (and their attempts) created more than 30 days ago. Delivery ids
 * are `dlv_<ULID>`, so "older than" is a range of the primary key, with no index of its own.
 */
export async function purgeDeliveryHistory(db: Database, now: number): Promise<number> {
  const cutoff = `dlv_${eventUlid(now - DELIVERY_HISTORY_DAYS * DAY_MS).slice(0, 10)}`;
  const old = sql`SELECT id FROM webhook_deliveries WHERE id < ${cutoff} AND status != 'pending' ORDER BY id LIMIT ${PURGE_LIMIT}`;
  const [, deleted] = await db.batch([
    db.delete(webhookAttempts).where(sql`${webhookAttempts.deliveryId} IN (${old})`),
    db.delete(webhookDeliveries).where(sql`${webhookDeliveries.id} IN (${old})`).returning({ id: webhookDeliveries.id }),
  ]);
  return deleted.length;
}
