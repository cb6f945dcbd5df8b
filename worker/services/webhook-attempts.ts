import { and, eq, lt, or, isNull, sql } from 'drizzle-orm';
import type { Database } from '../db/client';
import { notificationConfigs, webhookAttempts, webhookDeliveries, type NotificationConfigRow, type WebhookDeliveryRow } from '../db/schema';
import { ATTEMPT_TIMEOUT_MS, backoffMs, givesUp, PAUSE_AFTER_FAILURES, pauseMs } from '../webhooks/retry-policy';
import type { AttemptResult } from './webhook-sender';

/** A delivery and the config it goes to. */
export interface DeliveryTarget {
  delivery: WebhookDeliveryRow;
  config: NotificationConfigRow;
}

/** An attempt holds its delivery this long: its timeout plus time to record the outcome. */
export const LEASE_MS = ATTEMPT_TIMEOUT_MS + 20_000;

export async function loadTarget(db: Database, deliveryId: string): Promise<DeliveryTarget | null> {
  const [row] = await db
    .select({ delivery: webhookDeliveries, config: notificationConfigs })
    .from(webhookDeliveries)
    .innerJoin(notificationConfigs, eq(notificationConfigs.id, webhookDeliveries.configId))
    .where(eq(webhookDeliveries.id, deliveryId))
    .limit(1);
  return row ?? null;
}

/**
 * Takes the delivery for one attempt: only the message of its current generation, only while it
 * is pending, and only when no other attempt holds it. Two copies of a message (queues deliver at
 * least once) therefore never send at the same time.
 */
export async function claimDelivery(db: Database, deliveryId: string, generation: number, now: number): Promise<boolean> {
  const rows = await db
    .update(webhookDeliveries)
    .set({ leaseUntil: now + LEASE_MS })
    .where(
      and(
        eq(webhookDeliveries.id, deliveryId),
        eq(webhookDeliveries.generation, generation),
        eq(webhookDeliveries.status, 'pending'),
        or(isNull(webhookDeliveries.leaseUntil), lt(webhookDeliveries.leaseUntil, now)),
      ),
    )
    .returning({ id: webhookDeliveries.id });
  return rows.length > 0;
}

/** What happens to a delivery after an attempt. */
export interface AttemptPlan {
  status: WebhookDeliveryRow['status'];
  nextAttemptAt: number | null;
  note: string | null;
}

export function planAfterAttempt(
  delivery: Pick<WebhookDeliveryRow, 'attemptCount' | 'firstAttemptAt'>,
  result: AttemptResult,
  options: { retryBaseMs: number; retries: boolean },
): AttemptPlan {
  if (result.verdict === 'success') return { status: 'success', nextAttemptAt: null, note: null };
  if (result.verdict === 'fail' || !options.retries) return { status: 'failure', nextAttemptAt: null, note: null };
  const attempts = delivery.attemptCount + 1;
  if (givesUp(delivery.firstAttemptAt ?? result.startedAt, result.endedAt)) {
    return {
      status: 'failure',
      nextAttemptAt: null,
      note: `gave up: all ${attempts} attempts failed over 24 hours (last: ${result.error})`,
    };
  }
  const wait = Math.max(backoffMs(attempts, options.retryBaseMs), result.retryAfterMs ?? 0);
  return { status: 'pending', nextAttemptAt: result.endedAt + wait, note: null };
}

/**
 * The statements (one D1 batch) that record an attempt: its history row, the delivery's new
 * state, the config's latest delivery and the receiver's health (a success heals it; failures in
 * a row, or a Retry-After, pause it).
 */
export function recordAttemptStatements(
  db: Database,
  target: DeliveryTarget,
  result: AttemptResult,
  plan: AttemptPlan,
  retryBaseMs: number,
) {
  const { delivery, config } = target;
  const attempt = delivery.attemptCount + 1;
  const health =
    result.verdict === 'success'
      ? db
          .update(notificationConfigs)
          .set({ consecutiveFailures: 0, failingSince: null, pausedUntil: null })
          .where(
            and(
              eq(notificationConfigs.id, config.id),
              sql`(${notificationConfigs.consecutiveFailures} > 0 OR ${notificationConfigs.pausedUntil} IS NOT NULL)`,
            ),
          )
      : result.verdict === 'retry'
        ? db
            .update(notificationConfigs)
            .set({
              consecutiveFailures: sql`${notificationConfigs.consecutiveFailures} + 1`,
              failingSince: sql`coalesce(${notificationConfigs.failingSince}, ${result.endedAt})`,
              pausedUntil: sql`CASE WHEN ${notificationConfigs.consecutiveFailures} + 1 >= ${PAUSE_AFTER_FAILURES} OR ${result.retryAfterMs !== null ? 1 : 0}
                THEN max(coalesce(${notificationConfigs.pausedUntil}, 0), ${result.endedAt + pauseMs(result.endedAt - (config.failingSince ?? result.endedAt), retryBaseMs, result.retryAfterMs)})
                ELSE ${notificationConfigs.pausedUntil} END`,
            })
            .where(eq(notificationConfigs.id, config.id))
        : null;
  return [
    db.insert(webhookAttempts).values({
      deliveryId: delivery.id,
      attempt,
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
        attemptCount: attempt,
        firstAttemptAt: delivery.firstAttemptAt ?? result.startedAt,
        nextAttemptAt: plan.nextAttemptAt,
        leaseUntil: null,
        note: plan.note,
      })
      .where(eq(webhookDeliveries.id, delivery.id)),
    db
      .update(notificationConfigs)
      .set({ lastDeliveryId: delivery.id, lastAttemptAt: result.endedAt })
      .where(and(eq(notificationConfigs.id, config.id), sql`coalesce(${notificationConfigs.lastAttemptAt}, 0) <= ${result.endedAt}`)),
    ...(health ? [health] : []),
  ] as const;
}

/** Ends a delivery that will never be attempted (its webhook was deactivated or deleted). */
export async function endWithoutAttempt(db: Database, deliveryId: string, note: string): Promise<void> {
  await db
    .update(webhookDeliveries)
    .set({ status: 'failure', nextAttemptAt: null, leaseUntil: null, note })
    .where(and(eq(webhookDeliveries.id, deliveryId), eq(webhookDeliveries.status, 'pending')));
}
