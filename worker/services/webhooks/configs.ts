import { and, asc, count, eq, isNull } from 'drizzle-orm';
import type { WebhookFilter } from '../../contract/notification-configs.ts';
import type { Database } from '../../db/client.ts';
import { newId } from '../../db/ids.ts';
import { inJsonList } from '../../db/json-list.ts';
import { type NotificationConfigRow, notificationConfigs, webhookAttempts, webhookDeliveries } from '../../db/schema.ts';
import { violatesUnique } from '../../db/unique-violation.ts';
import { ApiError, invalidField, notFound } from '../../errors.ts';
import { type ChangeContext, managementEvent } from '../../events/management-event.ts';
import { encryptSecret } from '../../webhooks/secret-box.ts';
import { checkWebhookUrl } from '../../webhooks/url-policy.ts';
import { lastStoredSequence, recordChangeStatements } from '../event-store/index.ts';
import { configView, type LastDeliveryRow } from './views.ts';

/** A SIEM or two per organization is the use; the cap keeps one tenant's fan-out bounded. */
const MAX_CONFIGS_PER_ORGANIZATION = 20;

/** What changing webhooks needs besides the database: the at-rest key and the URL rule. */
export interface WebhookSettings {
  secretKey: string;
  allowInsecure: boolean;
}

export interface ConfigInput {
  name: string;
  webhook: { url: string; secret?: string; filter: WebhookFilter; active?: boolean };
}

const live = (organizationId: string) => and(eq(notificationConfigs.organizationId, organizationId), isNull(notificationConfigs.deletedAt));

/**
 * The latest deliveries of some configs, each with its latest attempt, from the organization's
 * shard (the configs, in the main database, name them by id).
 */
async function lastDeliveries(events: Database, deliveryIds: string[]): Promise<Map<string, LastDeliveryRow>> {
  if (deliveryIds.length === 0) return new Map();
  const rows = await events
    .select({
      id: webhookDeliveries.id,
      eventId: webhookDeliveries.eventId,
      eventType: webhookDeliveries.eventType,
      status: webhookDeliveries.status,
      note: webhookDeliveries.note,
      statusCode: webhookAttempts.statusCode,
      error: webhookAttempts.error,
      endedAt: webhookAttempts.endedAt,
    })
    .from(webhookDeliveries)
    .leftJoin(
      webhookAttempts,
      and(eq(webhookAttempts.deliveryId, webhookDeliveries.id), eq(webhookAttempts.attempt, webhookDeliveries.attemptCount)),
    )
    .where(inJsonList(webhookDeliveries.id, deliveryIds));
  return new Map(rows.map((row) => [row.id, row]));
}

/** Configs (main database) with their latest delivery (the organization's shard), as the API shows them. */
async function configViews(events: Database, rows: NotificationConfigRow[]) {
  const last = await lastDeliveries(
    events,
    rows.flatMap((row) => (row.lastDeliveryId === null ? [] : [row.lastDeliveryId])),
  );
  return rows.map((row) => configView(row, row.lastDeliveryId === null ? null : (last.get(row.lastDeliveryId) ?? null)));
}

export async function listConfigs(control: Database, events: Database, organizationId: string) {
  const rows = await control
    .select()
    .from(notificationConfigs)
    .where(live(organizationId))
    .orderBy(asc(notificationConfigs.createdAt), asc(notificationConfigs.id));
  return configViews(events, rows);
}

/** A live config of this organization, or 404: another organization's config id is unknown here. */
export async function configRow(db: Database, organizationId: string, configId: string): Promise<NotificationConfigRow> {
  const [row] = await db
    .select()
    .from(notificationConfigs)
    .where(and(live(organizationId), eq(notificationConfigs.id, configId)))
    .limit(1);
  if (!row) throw notFound(`Notification config ${configId} does not exist in organization ${organizationId}.`);
  return row;
}

export async function getConfig(control: Database, events: Database, organizationId: string, configId: string) {
  const [view] = await configViews(events, [await configRow(control, organizationId, configId)]);
  if (!view) throw notFound(`Notification config ${configId} does not exist in organization ${organizationId}.`);
  return view;
}

function checkedUrl(url: string, settings: WebhookSettings): string {
  const verdict = checkWebhookUrl(url, { allowInsecure: settings.allowInsecure });
  if (!verdict.ok) throw invalidField('webhook/url', `The URL ${verdict.reason}.`);
  return verdict.url;
}

async function refuseNameClash(db: Database, organizationId: string, name: string, exceptId?: string): Promise<void> {
  const [clash] = await db
    .select({ id: notificationConfigs.id })
    .from(notificationConfigs)
    .where(and(live(organizationId), eq(notificationConfigs.name, name)))
    .limit(1);
  if (clash && clash.id !== exceptId) throw nameTaken(name);
}

const nameTaken = (name: string) => new ApiError('notification-config-exists', `A notification config named "${name}" already exists.`);

/** Two requests racing for one name: the partial unique index decides, and the loser gets the same 409. */
function rethrowNameRace(error: unknown, name: string): never {
  if (violatesUnique(error, 'notification_configs.organization_id, notification_configs.name')) throw nameTaken(name);
  throw error;
}

/** Only the receiver's origin goes into the audit event: a URL path may carry a token (e.g. an HTTP collector's). */
const origin = (url: string) => new URL(url).origin;

/**
 * Config changes are control data: the row changes in the main database, and the change's event
 * waits in its outbox (services/event-store/pending-events.ts) in the same batch, to be stored in the
 * organization's shard after the request.
 */
export async function createConfig(
  db: Database,
  events: Database,
  settings: WebhookSettings,
  organizationId: string,
  input: ConfigInput & { webhook: { secret: string } },
  context: ChangeContext,
) {
  const url = checkedUrl(input.webhook.url, settings);
  const [existing] = await db.select({ n: count() }).from(notificationConfigs).where(live(organizationId));
  if ((existing?.n ?? 0) >= MAX_CONFIGS_PER_ORGANIZATION) {
    throw new ApiError('notification-config-limit', `An organization has at most ${MAX_CONFIGS_PER_ORGANIZATION} notification configs.`);
  }
  await refuseNameClash(db, organizationId, input.name);
  const id = newId('nc');
  const event = managementEvent(context, {
    action: 'create',
    objectType: 'notification_config',
    objectName: input.name,
    message: `Created webhook ${input.name} to ${origin(url)}`,
    extra: { notificationConfigId: id, receiver: origin(url) },
  });
  // A new or re-activated config delivers what comes after the newest stored sequence. The config is
  // written afterwards, so an event stored in between is delivered too: one more, never one missed.
  // The dispatched sequence is read before the event below is stored (after this request), so a new
  // webhook's first delivery is its own creation.
  const dispatchedSequence = await lastStoredSequence(events, organizationId);
  await db
    .batch([
      db.insert(notificationConfigs).values({
        id,
        organizationId,
        name: input.name,
        url,
        secretCiphertext: await encryptSecret(settings.secretKey, id, input.webhook.secret),
        active: true,
        filterJson: JSON.stringify(input.webhook.filter),
        dispatchedSequence,
        createdAt: context.now,
        updatedAt: context.now,
      }),
      ...recordChangeStatements(db, organizationId, [event], context.now),
    ])
    .catch((error: unknown) => rethrowNameRace(error, input.name));
  return getConfig(db, events, organizationId, id);
}

/** Which parts of a config a PUT changes, for its audit event (never a secret's value). */
function changedParts(current: NotificationConfigRow, input: ConfigInput, url: string, active: boolean): string[] {
  const changed: string[] = [];
  if (input.name !== current.name) changed.push('name');
  if (url !== current.url) changed.push('url');
  if (input.webhook.secret !== undefined) changed.push('secret');
  if (JSON.stringify(input.webhook.filter) !== current.filterJson) changed.push('filter');
  if (active !== current.active) changed.push('active');
  return changed;
}

export async function updateConfig(
  db: Database,
  events: Database,
  settings: WebhookSettings,
  organizationId: string,
  configId: string,
  input: ConfigInput,
  context: ChangeContext,
) {
  const current = await configRow(db, organizationId, configId);
  const url = checkedUrl(input.webhook.url, settings);
  if (input.name !== current.name) await refuseNameClash(db, organizationId, input.name, configId);
  const active = input.webhook.active ?? current.active;
  const changed = changedParts(current, input, url, active);
  if (changed.length === 0) return getConfig(db, events, organizationId, configId);
  const reactivated = active && !current.active;
  const event = managementEvent(context, {
    action: 'update',
    objectType: 'notification_config',
    objectName: input.name,
    message: `Updated webhook ${input.name} (${changed.join(', ')})`,
    extra: { notificationConfigId: configId, changed, receiver: origin(url), ...(changed.includes('active') ? { active } : {}) },
  });
  // A new receiver (or a re-activated one) starts healthy; re-activation delivers from now on.
  const freshReceiver = reactivated || url !== current.url;
  const restartAt = reactivated ? await lastStoredSequence(events, organizationId) : null;
  await db
    .batch([
      db
        .update(notificationConfigs)
        .set({
          name: input.name,
          url,
          ...(input.webhook.secret === undefined
            ? {}
            : { secretCiphertext: await encryptSecret(settings.secretKey, configId, input.webhook.secret) }),
          filterJson: JSON.stringify(input.webhook.filter),
          active,
          updatedAt: context.now,
          ...(restartAt === null ? {} : { dispatchedSequence: restartAt }),
          ...(freshReceiver ? { consecutiveFailures: 0, failingSince: null, pausedUntil: null } : {}),
        })
        .where(and(live(organizationId), eq(notificationConfigs.id, configId))),
      ...recordChangeStatements(db, organizationId, [event], context.now, { onlyIfPreviousChanged: true }),
    ])
    .catch((error: unknown) => rethrowNameRace(error, input.name));
  if (!active) await endPending(events, configId, 'not delivered: the webhook was deactivated');
  return getConfig(db, events, organizationId, configId);
}

/** Soft delete: deliveries still queued find the config gone and end without an attempt. */
export async function deleteConfig(
  db: Database,
  events: Database,
  organizationId: string,
  configId: string,
  context: ChangeContext,
): Promise<void> {
  const current = await configRow(db, organizationId, configId);
  const event = managementEvent(context, {
    action: 'delete',
    objectType: 'notification_config',
    objectName: current.name,
    message: `Deleted webhook ${current.name} to ${origin(current.url)}`,
    extra: { notificationConfigId: configId, receiver: origin(current.url) },
  });
  await db.batch([
    db
      .update(notificationConfigs)
      .set({ deletedAt: context.now, active: false, updatedAt: context.now })
      .where(and(live(organizationId), eq(notificationConfigs.id, configId))),
    ...recordChangeStatements(db, organizationId, [event], context.now, { onlyIfPreviousChanged: true }),
  ]);
  await endPending(events, configId, 'not delivered: the webhook was deleted');
}

/**
 * A webhook switched off or deleted: its pending deliveries (in the organization's shard) end
 * now, saying why, after the change committed in the main database. Should this step fail, the
 * deliveries' queue messages still find the webhook inactive and end them the same way
 * (services/webhooks/deliver.ts), so it only saves them the trip.
 */
async function endPending(events: Database, configId: string, note: string) {
  await events
    .update(webhookDeliveries)
    .set({ status: 'failure', nextAttemptAt: null, leaseUntil: null, note })
    .where(and(eq(webhookDeliveries.configId, configId), eq(webhookDeliveries.status, 'pending')));
}

/** The active configs of an organization (what the dispatcher delivers to). */
export async function activeConfigs(db: Database, organizationId: string): Promise<NotificationConfigRow[]> {
  return db
    .select()
    .from(notificationConfigs)
    .where(and(live(organizationId), eq(notificationConfigs.active, true)));
}

/** Cheap (one partial-index lookup): whether a write in this organization can concern any webhook. */
export async function hasActiveConfig(db: Database, organizationId: string): Promise<boolean> {
  const [row] = await activeConfigQuery(db, organizationId);
  return row !== undefined;
}

/** The lookup behind hasActiveConfig (the partial index notification_configs_active). */
export function activeConfigQuery(db: Database, organizationId: string) {
  return db
    .select({ id: notificationConfigs.id })
    .from(notificationConfigs)
    .where(and(live(organizationId), eq(notificationConfigs.active, true)))
    .limit(1);
}

/** Organizations with at least one active config (the daily safety-net nudge). */
export async function organizationsWithActiveConfigs(db: Database): Promise<string[]> {
  const rows = await db
    .selectDistinct({ organizationId: notificationConfigs.organizationId })
    .from(notificationConfigs)
    .where(and(isNull(notificationConfigs.deletedAt), eq(notificationConfigs.active, true)));
  return rows.map((row) => row.organizationId);
}
