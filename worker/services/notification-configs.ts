import { and, asc, count, eq, isNull, sql } from 'drizzle-orm';
import type { WebhookFilter } from '../contract/notification-configs';
import type { Database } from '../db/client';
import { newId } from '../db/ids';
import { notificationConfigs, webhookAttempts, webhookDeliveries, type NotificationConfigRow } from '../db/schema';
import { ApiError, invalidField, notFound } from '../errors';
import { managementEvent, type ChangeContext } from '../events/management-event';
import { encryptSecret } from '../webhooks/secret-box';
import { checkWebhookUrl } from '../webhooks/url-policy';
import { recordChangeStatements } from './audit-events';
import { configView, type LastDeliveryRow } from './webhook-views';

/** A SIEM or two per organization is the use; the cap keeps one tenant's fan-out bounded. */
export const MAX_CONFIGS_PER_ORGANIZATION = 20;

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
 * The organization's newest stored sequence: a new or re-activated config delivers what comes
 * after it. The counter moves in the same batch as every stored event (services/audit-events.ts).
 */
const currentSequence = (organizationId: string) =>
  sql`coalesce((SELECT last_sequence FROM organization_sequences WHERE organization_id = ${organizationId}), 0)`;

async function selectConfigs(db: Database, organizationId: string, configId?: string) {
  return db
    .select({
      config: notificationConfigs,
      last: {
        id: webhookDeliveries.id,
        eventId: webhookDeliveries.eventId,
        eventType: webhookDeliveries.eventType,
        status: webhookDeliveries.status,
        note: webhookDeliveries.note,
        statusCode: webhookAttempts.statusCode,
        error: webhookAttempts.error,
        endedAt: webhookAttempts.endedAt,
      },
    })
    .from(notificationConfigs)
    .leftJoin(webhookDeliveries, eq(webhookDeliveries.id, notificationConfigs.lastDeliveryId))
    .leftJoin(
      webhookAttempts,
      and(eq(webhookAttempts.deliveryId, webhookDeliveries.id), eq(webhookAttempts.attempt, webhookDeliveries.attemptCount)),
    )
    .where(configId === undefined ? live(organizationId) : and(live(organizationId), eq(notificationConfigs.id, configId)))
    .orderBy(asc(notificationConfigs.createdAt), asc(notificationConfigs.id));
}

type JoinedLast = { [K in keyof LastDeliveryRow]: LastDeliveryRow[K] | null };

/** Drizzle gives a left-joined object with every field null (or null itself) when nothing joined. */
function lastOf(last: JoinedLast | null): LastDeliveryRow | null {
  if (!last || last.id === null || last.eventId === null || last.eventType === null || last.status === null) return null;
  return { ...last, id: last.id, eventId: last.eventId, eventType: last.eventType, status: last.status };
}

export async function listConfigs(db: Database, organizationId: string) {
  const rows = await selectConfigs(db, organizationId);
  return rows.map((row) => configView(row.config, lastOf(row.last)));
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

export async function getConfig(db: Database, organizationId: string, configId: string) {
  const [row] = await selectConfigs(db, organizationId, configId);
  if (!row) throw notFound(`Notification config ${configId} does not exist in organization ${organizationId}.`);
  return configView(row.config, lastOf(row.last));
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
  const message = error instanceof Error ? `${error.message} ${String(error.cause ?? '')}` : String(error);
  if (message.includes('UNIQUE constraint failed: notification_configs.organization_id, notification_configs.name')) throw nameTaken(name);
  throw error;
}

/** Only the receiver's origin goes into the audit event: a URL path may carry a token (e.g. an HTTP collector's). */
const origin = (url: string) => new URL(url).origin;

export async function createConfig(
  db: Database,
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
  // The config row first: its dispatched sequence is read before the event below takes the next
  // number, so a new webhook's first delivery is its own creation.
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
        dispatchedSequence: currentSequence(organizationId),
        createdAt: context.now,
        updatedAt: context.now,
      }),
      ...(await recordChangeStatements(db, organizationId, [event], context.now)),
    ])
    .catch((error: unknown) => rethrowNameRace(error, input.name));
  return getConfig(db, organizationId, id);
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
  if (changed.length === 0) return getConfig(db, organizationId, configId);
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
          ...(reactivated ? { dispatchedSequence: currentSequence(organizationId) } : {}),
          ...(freshReceiver ? { consecutiveFailures: 0, failingSince: null, pausedUntil: null } : {}),
        })
        .where(and(live(organizationId), eq(notificationConfigs.id, configId))),
      ...(await recordChangeStatements(db, organizationId, [event], context.now, { onlyIfPreviousChanged: true })),
      ...(active ? [] : [endPending(db, configId, 'not delivered: the webhook was deactivated')]),
    ])
    .catch((error: unknown) => rethrowNameRace(error, input.name));
  return getConfig(db, organizationId, configId);
}

/** Soft delete: deliveries still queued find the config gone and end without an attempt. */
export async function deleteConfig(db: Database, organizationId: string, configId: string, context: ChangeContext): Promise<void> {
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
    ...(await recordChangeStatements(db, organizationId, [event], context.now, { onlyIfPreviousChanged: true })),
    endPending(db, configId, 'not delivered: the webhook was deleted'),
  ]);
}

/**
 * A webhook switched off or deleted: its pending deliveries end now, saying why (after the
 * change's own event statements, whose guard reads the change before them). Their queue messages
 * then find them done.
 */
function endPending(db: Database, configId: string, note: string) {
  return db
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
