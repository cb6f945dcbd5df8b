import { and, asc, count, desc, eq } from 'drizzle-orm';
import type { DeliveryHistory, DeliveryHistoryList } from '../../contract/notification-configs.ts';
import type { Database } from '../../db/client.ts';
import { newId } from '../../db/ids.ts';
import { type WebhookDeliveryRow, webhookAttempts, webhookDeliveries } from '../../db/schema.ts';
import { ApiError, notFound } from '../../errors.ts';
import { type ChangeContext, managementEvent } from '../../events/management-event.ts';
import { pingBody } from '../../webhooks/payload.ts';
import { LEASE_MS, planAfterAttempt } from '../../webhooks/retry-policy.ts';
import { prepareEvents, storeStatements } from '../event-store/index.ts';
import { recordAttempts } from './attempts.ts';
import { configRow } from './configs.ts';
import { enqueueDeliveries, type WebhookDeps } from './queues.ts';
import { sendAttempt } from './sender.ts';
import { historyView } from './views.ts';

const ofConfig = (organizationId: string, configId: string) =>
  and(eq(webhookDeliveries.organizationId, organizationId), eq(webhookDeliveries.configId, configId));

/**
 * Deliveries and attempts live in the organization's shard (`events`), configs in the main
 * database (`control`): every function checks the config there first, so another organization's
 * config or delivery id is a 404 whichever shard it is in.
 */

/** A page of a config's deliveries, newest first, each joined to its latest attempt (index webhook_deliveries_config_id). */
export function historyQuery(db: Database, organizationId: string, configId: string, page: { limit: number; offset: number }) {
  return db
    .select({ delivery: webhookDeliveries, latest: webhookAttempts })
    .from(webhookDeliveries)
    .leftJoin(
      webhookAttempts,
      and(eq(webhookAttempts.deliveryId, webhookDeliveries.id), eq(webhookAttempts.attempt, webhookDeliveries.attemptCount)),
    )
    .where(ofConfig(organizationId, configId))
    .orderBy(desc(webhookDeliveries.id))
    .limit(page.limit)
    .offset(page.offset);
}

/** A config's deliveries, newest first, each with its latest attempt. */
export async function listHistory(
  control: Database,
  db: Database,
  organizationId: string,
  configId: string,
  page: { limit: number; offset: number },
): Promise<DeliveryHistoryList> {
  await configRow(control, organizationId, configId);
  const [rows, totals] = await db.batch([
    historyQuery(db, organizationId, configId, page),
    db.select({ n: count() }).from(webhookDeliveries).where(ofConfig(organizationId, configId)),
  ]);
  return { history: rows.map((row) => historyView(row.delivery, row.latest)), totalHistoryCount: totals[0]?.n ?? 0 };
}

async function deliveryRow(db: Database, organizationId: string, configId: string, deliveryId: string): Promise<WebhookDeliveryRow> {
  const [row] = await db
    .select()
    .from(webhookDeliveries)
    .where(and(ofConfig(organizationId, configId), eq(webhookDeliveries.id, deliveryId)))
    .limit(1);
  if (!row) throw notFound(`Delivery ${deliveryId} does not exist for notification config ${configId}.`);
  return row;
}

/** One delivery with every attempt, oldest first. */
export async function getHistory(
  control: Database,
  db: Database,
  organizationId: string,
  configId: string,
  deliveryId: string,
): Promise<DeliveryHistory> {
  await configRow(control, organizationId, configId);
  const delivery = await deliveryRow(db, organizationId, configId, deliveryId);
  const attempts = await db
    .select()
    .from(webhookAttempts)
    .where(eq(webhookAttempts.deliveryId, deliveryId))
    .orderBy(asc(webhookAttempts.attempt));
  return historyView(delivery, attempts.at(-1) ?? null, attempts);
}

/**
 * Sends a delivery's exact body again as a new delivery (`redelivered: true`, same event id, so
 * receivers deduplicate it), through the queue and its retries. The resend is recorded as a
 * platform event: it sends audit data out of the service again. It changes no control data, so
 * the event is stored straight into the organization's shard, in the same batch as the delivery.
 */
export async function redeliver(
  deps: WebhookDeps,
  events: Database,
  organizationId: string,
  configId: string,
  deliveryId: string,
  context: ChangeContext,
) {
  const config = await configRow(deps.control, organizationId, configId);
  const original = await deliveryRow(events, organizationId, configId, deliveryId);
  if (!config.active) throw new ApiError('notification-config-inactive', `Notification config ${configId} is inactive; activate it first.`);
  const row: WebhookDeliveryRow = {
    ...original,
    id: newId('dlv'),
    status: 'pending',
    redeliveryOf: original.id,
    createdAt: context.now,
    firstAttemptAt: null,
    attemptCount: 0,
    nextAttemptAt: context.now,
    generation: 0,
    leaseUntil: null,
    note: null,
  };
  const event = managementEvent(context, {
    action: 'redeliver',
    objectType: 'notification_config',
    objectName: config.name,
    message: `Redelivered ${original.eventType === 'WEBHOOK_EVENT_TYPE_PING' ? 'ping' : 'event'} ${original.eventId} to webhook ${config.name}`,
    extra: { notificationConfigId: configId, deliveryId: row.id, redeliveryOf: original.id, eventId: original.eventId },
  });
  const { before, inserts, rest } = storeStatements(events, await prepareEvents(organizationId, [event], context.now));
  await events.batch([events.insert(webhookDeliveries).values(row), ...before, ...inserts, ...rest]);
  await enqueueDeliveries(deps, config, [{ organizationId, deliveryId: row.id, generation: 0 }], context.now);
  return historyView(row, null);
}

/**
 * Delivers a WEBHOOK_EVENT_TYPE_PING now, inside the request (one attempt, its 10 s timeout, no
 * retries), and answers with the recorded delivery, so an operator sees the receiver's answer at
 * once. Works on inactive configs too: that is how a receiver is checked before switching it on.
 */
export async function ping(
  deps: WebhookDeps,
  events: Database,
  organizationId: string,
  configId: string,
  now: number,
): Promise<DeliveryHistory> {
  const config = await configRow(deps.control, organizationId, configId);
  const pingId = newId('ping');
  const delivery: WebhookDeliveryRow = {
    id: newId('dlv'),
    organizationId,
    configId,
    eventId: pingId,
    eventType: 'WEBHOOK_EVENT_TYPE_PING',
    sequence: null,
    body: pingBody(organizationId, pingId, now),
    status: 'pending',
    redeliveryOf: null,
    createdAt: now,
    firstAttemptAt: null,
    attemptCount: 0,
    nextAttemptAt: now,
    generation: 0,
    // Held by this request: no sweep sends it meanwhile.
    leaseUntil: now + LEASE_MS,
    note: null,
  };
  await events.insert(webhookDeliveries).values(delivery);
  const result = await sendAttempt(deps.settings, config, delivery);
  // A ping's failure is final (retriesFailures): the operator sees the answer now.
  const plan = planAfterAttempt(delivery, result, deps.retryBaseMs);
  await recordAttempts(deps.control, events, config, [{ delivery, result, plan }], deps.retryBaseMs);
  return getHistory(deps.control, events, organizationId, configId, delivery.id);
}
