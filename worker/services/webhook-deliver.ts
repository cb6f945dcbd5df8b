import type { WebhookDeliveryJob } from '../env';
import { delaySeconds } from '../webhooks/retry-policy';
import { claimDelivery, LEASE_MS, endWithoutAttempt, loadTarget, planAfterAttempt, recordAttemptStatements } from './webhook-attempts';
import { jitterMs, laneFor, type WebhookDeps } from './webhook-queues';
import { sendAttempt } from './webhook-sender';

export type Lane = 'delivery' | 'retry';

/** What the queue should do with the message once it is handled. */
export type MessageOutcome =
  | { kind: 'ack'; result: string }
  | { kind: 'retry'; delaySeconds: number; result: string }
  | { kind: 'moved'; delaySeconds: number; result: string };

const ack = (result: string): MessageOutcome => ({ kind: 'ack', result });
const later = (ms: number, result: string): MessageOutcome => ({ kind: 'retry', delaySeconds: delaySeconds(ms), result });

/**
 * Handles one delivery message: checks it is still the delivery's current message, keeps
 * failing receivers out of the fast lane, makes one attempt and records it, and says when to
 * try again. Messages of one batch run concurrently, each attempt bounded by its 10 s timeout.
 */
export async function handleDeliveryMessage(deps: WebhookDeps, job: WebhookDeliveryJob, lane: Lane): Promise<MessageOutcome> {
  const now = Date.now();
  const target = await loadTarget(deps.db, job.deliveryId);
  if (!target) return ack('unknown delivery');
  const { delivery, config } = target;
  if (delivery.status !== 'pending') return ack('already done');
  if (delivery.generation !== job.generation) return ack('stale message');
  if (config.deletedAt !== null) {
    await endWithoutAttempt(deps.db, delivery.id, 'not delivered: the webhook was deleted');
    return ack('webhook deleted');
  }
  if (!config.active) {
    await endWithoutAttempt(deps.db, delivery.id, 'not delivered: the webhook was deactivated');
    return ack('webhook inactive');
  }

  const route = laneFor(config, now);
  if (lane === 'delivery' && route.lane === 'retry') {
    // The receiver is failing: its deliveries wait in the retry lane, so it cannot slow the fast one.
    await deps.retryQueue.send(job, { contentType: 'json', delaySeconds: delaySeconds(route.delayMs) });
    return { kind: 'moved', delaySeconds: delaySeconds(route.delayMs), result: 'moved to the retry lane' };
  }
  if (route.delayMs > 0) return later(route.delayMs, 'receiver paused');
  const due = delivery.nextAttemptAt ?? now;
  if (due > now + 1000) return later(due - now + jitterMs(due - now), 'not due yet');
  if (!(await claimDelivery(deps.db, delivery.id, job.generation, now))) return later(LEASE_MS, 'held by another attempt');

  const result = await sendAttempt(deps.settings, config, delivery);
  const plan = planAfterAttempt(delivery, result, {
    retryBaseMs: deps.retryBaseMs,
    retries: delivery.eventType === 'WEBHOOK_EVENT_TYPE_AUDIT',
  });
  await deps.db.batch(recordAttemptStatements(deps.db, target, result, plan, deps.retryBaseMs));
  const summary = `attempt ${delivery.attemptCount + 1}: ${result.verdict} ${result.statusCode || result.error}`;
  if (plan.status !== 'pending' || plan.nextAttemptAt === null) return ack(summary);
  // Retries always wait in the retry lane, whichever lane the first attempt took.
  const wait = plan.nextAttemptAt - Date.now();
  if (lane === 'retry') return later(wait, summary);
  await deps.retryQueue.send(job, { contentType: 'json', delaySeconds: delaySeconds(wait) });
  return { kind: 'moved', delaySeconds: delaySeconds(wait), result: summary };
}
