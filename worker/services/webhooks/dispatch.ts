import { and, asc, eq, gt, sql } from 'drizzle-orm';
import type { Database } from '../../db/client.ts';
import { newId } from '../../db/ids.ts';
import { inJsonList } from '../../db/json-list.ts';
import { auditEvents, instances, type NotificationConfigRow, notificationConfigs, webhookDeliveries } from '../../db/schema.ts';
import type { WebhookDeliveryJob } from '../../env.ts';
import { toEvent } from '../../events/event-shape.ts';
import { passesFilter } from '../../webhooks/instance-filter.ts';
import { auditBody } from '../../webhooks/payload.ts';
import { STALE_AFTER_MS } from '../../webhooks/retry-policy.ts';
import { eventColumns, fenceCheck, jsonChunks, orgKey } from '../event-store/index.ts';
import { activeConfigs } from './configs.ts';
import { enqueueDeliveries, type WebhookDeps } from './queues.ts';
import { parseFilter } from './views.ts';

type InstanceRow = typeof instances.$inferSelect;

/** Events read per page, and pages per dispatcher run (the rest continues in a new dispatch message). */
const DISPATCH_PAGE = 500;
const DISPATCH_PAGES_PER_RUN = 10;
const SWEEP_LIMIT = 500;

/** A page of the organization's events after a sequence, from its shard: the (organization, sequence) index. */
export function pageQuery(events: Database, organizationId: string, afterSequence: number) {
  return events
    .select(eventColumns)
    .from(auditEvents)
    .where(and(eq(auditEvents.orgKey, orgKey(organizationId)), gt(auditEvents.sequence, afterSequence)))
    .orderBy(asc(auditEvents.sequence))
    .limit(DISPATCH_PAGE);
}

/** The type and name of the instances a page names, for the filters: instances are control data (main database). */
export async function instancesOf(control: Database, organizationId: string, ids: string[]) {
  if (ids.length === 0) return new Map<string, Pick<InstanceRow, 'type' | 'name'>>();
  const rows = await control
    .select({ id: instances.id, type: instances.type, name: instances.name })
    .from(instances)
    .where(and(eq(instances.organizationId, organizationId), inJsonList(instances.id, ids)));
  return new Map(rows.map((row) => [row.id, { type: row.type, name: row.name }]));
}

interface NewDelivery {
  id: string;
  eventId: string;
  sequence: number;
  body: string;
}

/**
 * INSERT … SELECT FROM json_each, ignoring rows whose (config, event) pair already has a delivery:
 * the unique index makes a second dispatcher's rows, or a page dispatched again, no-ops.
 */
function insertDeliveries(events: Database, organizationId: string, configId: string, rows: NewDelivery[], now: number) {
  return jsonChunks(rows).map((chunk) =>
    events
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
 * One page of the dispatcher: the organization's events (its shard) after the lowest cursor of
 * its active configs (main database), turned into deliveries (one per config whose filter passes)
 * in the shard, then each config's cursor moved past the page. Returns the messages sent and
 * whether a full page was read (there may be more).
 *
 * Two databases, so no transaction spans both: the deliveries commit first, in one shard batch,
 * and the cursors move after. A run that stops in between leaves the cursors behind, and the next
 * run reads the same events again; their deliveries already exist, so the unique (config, event)
 * index turns them into no-ops and nothing is delivered twice. (Their queue messages, if the run
 * stopped before sending them, are sent again by reissueStaleDeliveries.) Keeping the cursor on
 * the config, rather than in the shard, keeps a config in one place: creating and re-activating
 * it set the cursor in the same statement that writes the config (docs/WEBHOOKS.md, "How it works").
 */
async function dispatchPage(deps: WebhookDeps, events: Database, organizationId: string, configs: NotificationConfigRow[], now: number) {
  const from = Math.min(...configs.map((config) => config.dispatchedSequence));
  const page = await pageQuery(events, organizationId, from);
  if (page.length === 0) return { sent: 0, full: false };
  const last = page.at(-1)?.sequence ?? from;
  const named = await instancesOf(deps.control, organizationId, [
    ...new Set(page.flatMap((event) => (event.instanceId === null ? [] : [event.instanceId]))),
  ]);
  const bodies = page.map((event) => auditBody(toEvent(organizationId, event)));
  const plans = configs.map((config) => {
    const filter = parseFilter(config.filterJson);
    const rows: NewDelivery[] = [];
    page.forEach((event, index) => {
      if (event.sequence <= config.dispatchedSequence) return;
      const instance = event.instanceId === null ? null : (named.get(event.instanceId) ?? null);
      if (!passesFilter(filter, instance)) return;
      rows.push({ id: newId('dlv'), eventId: event.id, sequence: event.sequence, body: bodies[index] as string });
    });
    return { config, inserts: insertDeliveries(events, organizationId, config.id, rows, now) };
  });
  // The move fence (event-store/move-fence.ts) first: deliveries are never written to a shard the
  // organization is leaving; the dispatch fails, its cursors stay, and a retry reads the new shard.
  const inserts = plans.flatMap((plan) => plan.inserts);
  const results = inserts.length > 0 ? (await events.batch([fenceCheck(events, organizationId), ...inserts])).slice(1) : [];
  const [firstMove, ...moves] = configs.map((config) =>
    deps.control
      .update(notificationConfigs)
      .set({ dispatchedSequence: sql`max(${notificationConfigs.dispatchedSequence}, ${last})` })
      .where(eq(notificationConfigs.id, config.id)),
  );
  if (firstMove) await deps.control.batch([firstMove, ...moves]);
  let offset = 0;
  let sent = 0;
  for (const plan of plans) {
    const created = results.slice(offset, offset + plan.inserts.length).flat() as { id: string }[];
    offset += plan.inserts.length;
    await enqueueDeliveries(
      deps,
      plan.config,
      created.map((row): WebhookDeliveryJob => ({ organizationId, deliveryId: row.id, generation: 0 })),
      now,
    );
    sent += created.length;
  }
  return { sent, full: page.length === DISPATCH_PAGE };
}

/**
 * Hands an organization's new events to its webhooks (docs/WEBHOOKS.md, "How it works"), then sends
 * again the pending deliveries whose queue message was lost. Safe to run twice at once: each
 * (config, event) gets one delivery. Returns whether events are left for another run.
 */
export async function dispatchOrganization(deps: WebhookDeps, organizationId: string, now: number) {
  let configs = await activeConfigs(deps.control, organizationId);
  if (configs.length === 0) return { sent: 0, more: false, reissued: 0 };
  const events = await deps.shardDbFor(organizationId);
  let sent = 0;
  let more = false;
  for (let page = 0; configs.length > 0 && page < DISPATCH_PAGES_PER_RUN; page += 1) {
    const result = await dispatchPage(deps, events, organizationId, configs, now);
    sent += result.sent;
    more = result.full;
    if (!result.full) break;
    configs = await activeConfigs(deps.control, organizationId);
  }
  const reissued = await reissueStaleDeliveries(deps, events, organizationId, now);
  return { sent, more, reissued };
}

/**
 * Pending deliveries far past their next attempt (STALE_AFTER_MS, webhooks/retry-policy.ts; and
 * not held by an attempt or a receiver's pause) lost their message, e.g. to a crash between
 * recording an attempt and sending its retry. A new generation makes any late copy of the old
 * message stale.
 */
async function reissueStaleDeliveries(deps: WebhookDeps, events: Database, organizationId: string, now: number): Promise<number> {
  const cutoff = now - STALE_AFTER_MS;
  // The organization's configs (deleted ones too: their messages end such deliveries) that no pause holds.
  const configs = new Map(
    (await deps.control.select().from(notificationConfigs).where(eq(notificationConfigs.organizationId, organizationId))).map((c) => [
      c.id,
      c,
    ]),
  );
  const unpaused = [...configs.values()].filter((config) => (config.pausedUntil ?? 0) < cutoff).map((config) => config.id);
  if (unpaused.length === 0) return 0;
  const rows = await events.all<{ id: string; generation: number; configId: string }>(sql`UPDATE webhook_deliveries
    SET generation = generation + 1, next_attempt_at = ${now}
    WHERE id IN (
      SELECT id FROM webhook_deliveries
      WHERE organization_id = ${organizationId} AND status = 'pending' AND next_attempt_at < ${cutoff}
        AND coalesce(lease_until, 0) < ${now} AND ${inJsonList(sql.identifier('config_id'), unpaused)}
      LIMIT ${SWEEP_LIMIT})
    RETURNING id, generation, config_id AS configId`);
  for (const config of configs.values()) {
    const jobs = rows
      .filter((row) => row.configId === config.id)
      .map((row) => ({ organizationId, deliveryId: row.id, generation: row.generation }));
    await enqueueDeliveries(deps, config, jobs, now);
  }
  return rows.length;
}
