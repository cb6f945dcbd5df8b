import { and, eq, isNull, lt, or, sql } from 'drizzle-orm';
import type { BatchItem } from 'drizzle-orm/batch';
import type { Database } from '../../db/client.ts';
import { inJsonList } from '../../db/json-list.ts';
import {
  type NotificationConfigRow,
  notificationConfigs,
  type WebhookDeliveryRow,
  webhookAttempts,
  webhookDeliveries,
} from '../../db/schema.ts';
import { type AttemptPlan, LEASE_MS, PAUSE_AFTER_FAILURES, pauseMs } from '../../webhooks/retry-policy.ts';
import type { AttemptResult } from './sender.ts';

/** A delivery and the config it goes to. */
export interface DeliveryTarget {
  delivery: WebhookDeliveryRow;
  config: NotificationConfigRow;
}

/**
 * Some deliveries of one organization (from its shard) with their configs (from the main
 * database), one query each (ids travel as one JSON parameter). A delivery whose config is gone
 * from the organization is left out, like an unknown one.
 */
export async function loadTargets(
  control: Database,
  events: Database,
  organizationId: string,
  deliveryIds: string[],
): Promise<Map<string, DeliveryTarget>> {
  const deliveries = await events
    .select()
    .from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.organizationId, organizationId), inJsonList(webhookDeliveries.id, deliveryIds)));
  if (deliveries.length === 0) return new Map();
  const configIds = [...new Set(deliveries.map((delivery) => delivery.configId))];
  const configs = await control
    .select()
    .from(notificationConfigs)
    .where(and(eq(notificationConfigs.organizationId, organizationId), inJsonList(notificationConfigs.id, configIds)));
  const byId = new Map(configs.map((config) => [config.id, config]));
  const targets = new Map<string, DeliveryTarget>();
  for (const delivery of deliveries) {
    const config = byId.get(delivery.configId);
    if (config) targets.set(delivery.id, { delivery, config });
  }
  return targets;
}

/**
 * Takes deliveries for one attempt each: only for the message of their current generation, only
 * while pending, and only when no other attempt holds them. Two copies of a message (queues
 * deliver at least once) therefore never send at the same time. Returns the ids taken.
 */
export async function claimDeliveries(db: Database, jobs: { deliveryId: string; generation: number }[], now: number): Promise<Set<string>> {
  if (jobs.length === 0) return new Set();
  const ids = jobs.map((job) => job.deliveryId);
  const keys = jobs.map((job) => `${job.deliveryId}:${job.generation}`);
  const rows = await db
    .update(webhookDeliveries)
    .set({ leaseUntil: now + LEASE_MS })
    .where(
      and(
        inJsonList(webhookDeliveries.id, ids),
        inJsonList(sql`${webhookDeliveries.id} || ':' || ${webhookDeliveries.generation}`, keys),
        eq(webhookDeliveries.status, 'pending'),
        or(isNull(webhookDeliveries.leaseUntil), lt(webhookDeliveries.leaseUntil, now)),
      ),
    )
    .returning({ id: webhookDeliveries.id });
  return new Set(rows.map((row) => row.id));
}

/** One finished attempt of a delivery, and what happens next. */
export interface RecordedAttempt {
  delivery: WebhookDeliveryRow;
  result: AttemptResult;
  plan: AttemptPlan;
}

/**
 * Records a config's attempts: each attempt's history row and its delivery's new state in one
 * batch of the organization's shard, then the config's latest delivery and the receiver's health
 * in one batch of the main database (any success heals it; only failures count towards a pause,
 * which a Retry-After also starts). The history commits first: should the second batch fail, the
 * receiver's health lags one batch behind, which the next attempt's outcome corrects.
 */
export async function recordAttempts(
  control: Database,
  events: Database,
  config: NotificationConfigRow,
  attempts: [RecordedAttempt, ...RecordedAttempt[]],
  retryBaseMs: number,
): Promise<void> {
  const [first, ...rest] = historyStatements(events, attempts);
  await events.batch([first, ...rest]);
  await control.batch(healthStatements(control, config, attempts, retryBaseMs));
}

function historyStatements(
  db: Database,
  attempts: [RecordedAttempt, ...RecordedAttempt[]],
): [BatchItem<'sqlite'>, ...BatchItem<'sqlite'>[]] {
  const perAttempt = attempts.flatMap(({ delivery, result, plan }) => [
    db.insert(webhookAttempts).values({
      deliveryId: delivery.id,
      attempt: delivery.attemptCount + 1,
      succeeded: result.verdict === 'success',
      statusCode: result.statusCode,
      error: result.error,
      response: result.response,
      requestHeaders: JSON.stringify(result.requestHeaders),
      responseHeaders: JSON.stringify(result.responseHeaders),
      startedAt: result.startedAt,
      endedAt: result.endedAt,
    }),
    db
      .update(webhookDeliveries)
      .set({
        status: plan.status,
        attemptCount: delivery.attemptCount + 1,
        firstAttemptAt: delivery.firstAttemptAt ?? result.startedAt,
        nextAttemptAt: plan.nextAttemptAt,
        leaseUntil: null,
        note: plan.note,
      })
      .where(eq(webhookDeliveries.id, delivery.id)),
  ]);
  return perAttempt as BatchItem<'sqlite'>[] as [BatchItem<'sqlite'>, ...BatchItem<'sqlite'>[]];
}

function healthStatements(
  db: Database,
  config: NotificationConfigRow,
  attempts: [RecordedAttempt, ...RecordedAttempt[]],
  retryBaseMs: number,
): [BatchItem<'sqlite'>, ...BatchItem<'sqlite'>[]] {
  const latest = attempts.reduce((last, entry) => (last.result.endedAt > entry.result.endedAt ? last : entry));
  const failures = attempts.filter((entry) => entry.result.verdict === 'retry');
  const healed = attempts.some((entry) => entry.result.verdict === 'success');
  const ended = latest.result.endedAt;
  const retryAfter = Math.max(0, ...failures.map((entry) => entry.result.retryAfterMs ?? 0));
  const pause = ended + pauseMs(ended - (config.failingSince ?? ended), retryBaseMs, retryAfter || null);
  const health = healed
    ? db
        .update(notificationConfigs)
        .set({ consecutiveFailures: 0, failingSince: null, pausedUntil: null })
        .where(
          and(
            eq(notificationConfigs.id, config.id),
            sql`(${notificationConfigs.consecutiveFailures} > 0 OR ${notificationConfigs.pausedUntil} IS NOT NULL)`,
          ),
        )
    : failures.length > 0
      ? db
          .update(notificationConfigs)
          .set({
            consecutiveFailures: sql`${notificationConfigs.consecutiveFailures} + ${failures.length}`,
            failingSince: sql`coalesce(${notificationConfigs.failingSince}, ${ended})`,
            pausedUntil: sql`CASE WHEN ${notificationConfigs.consecutiveFailures} + ${failures.length} >= ${PAUSE_AFTER_FAILURES} OR ${retryAfter > 0 ? 1 : 0}
                THEN max(coalesce(${notificationConfigs.pausedUntil}, 0), ${pause}) ELSE ${notificationConfigs.pausedUntil} END`,
          })
          .where(eq(notificationConfigs.id, config.id))
      : null;
  return [
    db
      .update(notificationConfigs)
      .set({ lastDeliveryId: latest.delivery.id, lastAttemptAt: ended })
      .where(and(eq(notificationConfigs.id, config.id), sql`coalesce(${notificationConfigs.lastAttemptAt}, 0) <= ${ended}`)),
    ...(health ? [health] : []),
  ];
}

/** Ends deliveries that will never be attempted (their webhook was deactivated or deleted, or they gave up while paused). */
export async function endWithoutAttempt(db: Database, deliveryIds: string[], note: string): Promise<void> {
  await db
    .update(webhookDeliveries)
    .set({ status: 'failure', nextAttemptAt: null, leaseUntil: null, note })
    .where(and(inJsonList(webhookDeliveries.id, deliveryIds), eq(webhookDeliveries.status, 'pending')));
}
