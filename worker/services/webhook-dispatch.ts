import { and, asc, eq, gt, sql } from 'drizzle-orm';
import type { Database } from '../db/client';
import { newId } from '../db/ids';
import { auditEvents, instances, notificationConfigs, webhookDeliveries, type NotificationConfigRow } from '../db/schema';
import type { WebhookDeliveryJob } from '../env';
import { toEvent } from '../events/event-shape';
import { passesFilter } from '../webhooks/instance-filter';
import { auditBody } from '../webhooks/payload';
import { jsonChunks } from './json-chunks';
import { activeConfigs } from './notification-configs';
import { eventColumns } from './event-columns';
import { orgKey } from './org-key';
import { enqueueDeliveries, type WebhookDeps } from './webhook-queues';
import { parseFilter } from './webhook-views';

/** Events read per page, and pages per dispatcher run (the rest continues in a new dispatch message). */
export const DISPATCH_PAGE = 500;
export const DISPATCH_PAGES_PER_RUN = 10;
/** A pending delivery whose next attempt is this overdue has lost its queue message: it is sent again. */
export const STALE_AFTER_MS = 15 * 60_000;
const SWEEP_LIMIT = 500;

/** A page of events after a sequence, with their instance (type and name) for the filters: the (organization, sequence) index. */
export function pageQuery(db: Database, organizationId: string, afterSequence: number) {
  return db
    .select({ event: eventColumns, instanceType: instances.type, instanceName: instances.name })
    .from(auditEvents)
    .leftJoin(instances, eq(instances.id, auditEvents.instanceId))
    .where(and(eq(auditEvents.orgKey, orgKey(organizationId)), gt(auditEvents.sequence, afterSequence)))
    .orderBy(asc(auditEvents.sequence))
    .limit(DISPATCH_PAGE);
}

interface NewDelivery {
  id: string;
  eventId: string;
  sequence: number;
  body: string;
}

/** INSERT … SELECT FROM json_each: the unique (config, event) index makes a second dispatcher's rows no-ops. */
function insertDeliveries(db: Database, organizationId: string, configId: string, rows: NewDelivery[], now: number) {
  return jsonChunks(rows).map((chunk) =>
    db
      .insert(webhookDeliveries)
      .select(
        // Drizzle lists the columns in schema order; the SELECT follows that order. "WHERE true" keeps
        // SQLite from reading the ON CONFLICT below as a join constraint.
        sql`SELECT value->>'id', ${organizationId}, ${configId}, value->>'eventId', 'WEBHOOK_EVENT_TYPE_AUDIT', value->>'sequence',
          value->>'body', 'pending', NULL, ${now}, NULL, 0, ${now}, 0, NULL, NULL
        FROM json_each(${chunk}) WHERE true`,
      )
      .onConflictDoNothing()
      .returning({ id: webhookDeliveries.id }),
  );
}

/**
 * One page of the dispatcher: the organization's events after the lowest watermark of its active
 * configs, turned into deliveries (one per config whose filter passes), and each config's
 * watermark moved past the page, in one D1 batch. Returns the messages to send and whether a full
 * page was read (there may be more).
 */
async function dispatchPage(deps: WebhookDeps, organizationId: string, configs: NotificationConfigRow[], now: number) {
  const from = Math.min(...configs.map((config) => config.dispatchedSequence));
  const page = await pageQuery(deps.db, organizationId, from);
  if (page.length === 0) return { sent: 0, full: false };
  const last = page.at(-1)?.event.sequence ?? from;
  const bodies = page.map((row) => auditBody(toEvent(organizationId, row.event)));
  const plans = configs.map((config) => {
    const filter = parseFilter(config.filterJson);
    const rows: NewDelivery[] = [];
    page.forEach((row, index) => {
      if (row.event.sequence <= config.dispatchedSequence) return;
      const instance = row.instanceType && row.instanceName ? { type: row.instanceType, name: row.instanceName } : null;
      if (!passesFilter(filter, instance)) return;
      rows.push({ id: newId('dlv'), eventId: row.event.id, sequence: row.event.sequence, body: bodies[index] as string });
    });
    return { config, inserts: insertDeliveries(deps.db, organizationId, config.id, rows, now) };
  });
  const statements = plans.flatMap((plan) => [
    ...plan.inserts,
    deps.db
      .update(notificationConfigs)
      .set({ dispatchedSequence: sql`max(${notificationConfigs.dispatchedSequence}, ${last})` })
      .where(eq(notificationConfigs.id, plan.config.id)),
  ]);
  const [first, ...rest] = statements;
  if (!first) return { sent: 0, full: false };
  const results = await deps.db.batch([first, ...rest]);
  let offset = 0;
  let sent = 0;
  for (const plan of plans) {
    const created = results.slice(offset, offset + plan.inserts.length).flat() as { id: string }[];
    offset += plan.inserts.length + 1;
    await enqueueDeliveries(
      deps,
      plan.config,
      created.map((row): WebhookDeliveryJob => ({ deliveryId: row.id, generation: 0 })),
      now,
    );
    sent += created.length;
  }
  return { sent, full: page.length === DISPATCH_PAGE };
}

/**
 * Hands an organization's new events to its webhooks (docs/WEBHOOKS.md, "Fan-out"), then sends
 * again the pending deliveries whose queue message was lost. Safe to run twice at once: each
 * (config, event) gets one delivery. Returns whether events are left for another run.
 */
export async function dispatchOrganization(deps: WebhookDeps, organizationId: string, now: number) {
  let configs = await activeConfigs(deps.db, organizationId);
  let sent = 0;
  let more = false;
  for (let page = 0; configs.length > 0 && page < DISPATCH_PAGES_PER_RUN; page += 1) {
    const result = await dispatchPage(deps, organizationId, configs, now);
    sent += result.sent;
    more = result.full;
    if (!result.full) break;
    configs = await activeConfigs(deps.db, organizationId);
  }
  const reissued = await reissueStaleDeliveries(deps, organizationId, now);
  return { sent, more, reissued };
}

/**
 * Pending deliveries far past their next attempt (and not held by an attempt or a receiver's
 * pause) lost their message, e.g. to a crash between recording an attempt and sending its retry.
 * A new generation makes any late copy of the old message stale.
 */
export async function reissueStaleDeliveries(deps: WebhookDeps, organizationId: string, now: number): Promise<number> {
  const cutoff = now - STALE_AFTER_MS;
  const rows = await deps.db.all<{ id: string; generation: number; configId: string }>(sql`UPDATE webhook_deliveries
    SET generation = generation + 1, next_attempt_at = ${now}
    WHERE id IN (
      SELECT delivery.id FROM webhook_deliveries AS delivery
      JOIN notification_configs AS config ON config.id = delivery.config_id
      WHERE delivery.organization_id = ${organizationId} AND delivery.status = 'pending' AND delivery.next_attempt_at < ${cutoff}
        AND coalesce(delivery.lease_until, 0) < ${now} AND coalesce(config.paused_until, 0) < ${cutoff}
      LIMIT ${SWEEP_LIMIT})
    RETURNING id, generation, config_id AS configId`);
  if (rows.length === 0) return 0;
  const configs = new Map(
    (await deps.db.select().from(notificationConfigs).where(eq(notificationConfigs.organizationId, organizationId))).map((c) => [c.id, c]),
  );
  for (const config of configs.values()) {
    const jobs = rows.filter((row) => row.configId === config.id).map((row) => ({ deliveryId: row.id, generation: row.generation }));
    await enqueueDeliveries(deps, config, jobs, now);
  }
  return rows.length;
}
