import pLimit from 'p-limit';
import type { WebhookDeliveryJob } from '../env';
import { delaySeconds, GIVE_UP_AFTER_MS, pauseMs } from '../webhooks/retry-policy';
import {
  claimDelivery,
  endWithoutAttempt,
  LEASE_MS,
  loadTarget,
  planAfterAttempt,
  recordAttemptStatements,
  type DeliveryTarget,
} from './webhook-attempts';
import { jitterMs, laneFor, type WebhookDeps } from './webhook-queues';
import { sendAttempt } from './webhook-sender';

export type Lane = 'delivery' | 'retry';

/**
 * Attempts in flight per batch. Production Workers let an invocation wait on at most six
 * connections at once (the rest queue behind them; `wrangler dev` does not enforce this), and the
 * database and queue calls of the batch need some of them: four attempts leave room for those.
 */
export const ATTEMPTS_IN_FLIGHT = 4;

/** What the queue does with a message once handled. `move`: send it to the retry lane, then ack. */
export type MessageOutcome =
  | { kind: 'ack'; result: string }
  | { kind: 'retry'; delaySeconds: number; result: string }
  | { kind: 'move'; delaySeconds: number; result: string }
  | { kind: 'error'; result: string };

const ack = (result: string): MessageOutcome => ({ kind: 'ack', result });
const later = (ms: number, result: string): MessageOutcome => ({ kind: 'retry', delaySeconds: delaySeconds(ms), result });

/** Retry lane: wait in place; fast lane: move to the retry lane with that delay. */
const waitIn = (lane: Lane, ms: number, result: string): MessageOutcome =>
  lane === 'retry' ? later(ms, result) : { kind: 'move', delaySeconds: delaySeconds(ms), result };

type Step = { outcome: MessageOutcome } | { target: DeliveryTarget };

/** Everything decided before an attempt: stale or finished messages, gone webhooks, failing receivers, not yet due. */
async function prepare(deps: WebhookDeps, job: WebhookDeliveryJob, lane: Lane, now: number): Promise<Step> {
  const target = await loadTarget(deps.db, job.deliveryId);
  if (!target) return { outcome: ack('unknown delivery') };
  const { delivery, config } = target;
  if (delivery.status !== 'pending') return { outcome: ack('already done') };
  if (delivery.generation !== job.generation) return { outcome: ack('stale message') };
  if (config.deletedAt !== null || !config.active) {
    const reason = config.deletedAt !== null ? 'deleted' : 'deactivated';
    await endWithoutAttempt(deps.db, delivery.id, `not delivered: the webhook was ${reason}`);
    return { outcome: ack(`webhook ${reason}`) };
  }
  const route = laneFor(config, now);
  if (route.lane === 'retry' && (lane === 'delivery' || route.delayMs > 0)) {
    if (route.delayMs > 0 && now - delivery.createdAt >= GIVE_UP_AFTER_MS) {
      await endWithoutAttempt(deps.db, delivery.id, 'gave up: the receiver failed every attempt for 24 hours');
      return { outcome: ack('gave up while paused') };
    }
    // A failing receiver's deliveries wait in the retry lane, so it cannot slow the fast one.
    return { outcome: waitIn(lane, route.delayMs, route.delayMs > 0 ? 'receiver paused' : 'receiver failing') };
  }
  const due = delivery.nextAttemptAt ?? now;
  if (due > now + 1000) return { outcome: waitIn(lane, due - now + jitterMs(due - now), 'not due yet') };
  return { target };
}

/** One attempt: claim, send, record; then when (and where) the next one happens. */
async function attempt(deps: WebhookDeps, job: WebhookDeliveryJob, target: DeliveryTarget, lane: Lane) {
  const { delivery, config } = target;
  if (!(await claimDelivery(deps.db, delivery.id, job.generation, Date.now()))) {
    return { outcome: later(LEASE_MS, 'held by another attempt'), failing: false };
  }
  const result = await sendAttempt(deps.settings, config, delivery);
  const plan = planAfterAttempt(delivery, result, {
    retryBaseMs: deps.retryBaseMs,
    retries: delivery.eventType === 'WEBHOOK_EVENT_TYPE_AUDIT',
  });
  await deps.db.batch(recordAttemptStatements(deps.db, target, result, plan, deps.retryBaseMs));
  const summary = `attempt ${delivery.attemptCount + 1}: ${result.verdict} ${result.statusCode || result.error}`;
  const failing = result.verdict === 'retry';
  const pause = failing ? pauseMs(result.endedAt - (config.failingSince ?? result.endedAt), deps.retryBaseMs, result.retryAfterMs) : 0;
  if (plan.status !== 'pending' || plan.nextAttemptAt === null) return { outcome: ack(summary), failing, pause };
  // Retries always wait in the retry lane, whichever lane the first attempt took.
  return { outcome: waitIn(lane, plan.nextAttemptAt - Date.now(), summary), failing, pause };
}

function failed(error: unknown): MessageOutcome {
  return { kind: 'error', result: error instanceof Error ? error.message : String(error) };
}

/**
 * A batch of delivery messages. Per receiver, one attempt goes first: only when it does not fail
 * are the receiver's other deliveries of the batch attempted, so a receiver that hangs costs the
 * batch one attempt (10 s at most), never one per message. Receivers proceed concurrently, at most
 * ATTEMPTS_IN_FLIGHT attempts at a time. Messages moved to the retry lane are sent there here.
 */
export async function deliverBatch(deps: WebhookDeps, jobs: WebhookDeliveryJob[], lane: Lane): Promise<MessageOutcome[]> {
  const now = Date.now();
  const steps = await Promise.all(jobs.map((job) => prepare(deps, job, lane, now).catch((error: unknown) => ({ outcome: failed(error) }))));
  const outcomes = steps.map((step) => ('outcome' in step ? step.outcome : undefined));
  const byConfig = new Map<string, number[]>();
  steps.forEach((step, index) => {
    if ('target' in step) byConfig.set(step.target.config.id, [...(byConfig.get(step.target.config.id) ?? []), index]);
  });
  const slot = pLimit(ATTEMPTS_IN_FLIGHT);
  const run = async (index: number) => {
    const step = steps[index];
    const job = jobs[index];
    if (!step || !job || !('target' in step)) return { failing: false, pause: 0 };
    const done = await slot(() => attempt(deps, job, step.target, lane)).catch((error: unknown) => ({
      outcome: failed(error),
      failing: false,
      pause: 0,
    }));
    outcomes[index] = done.outcome;
    return { failing: done.failing, pause: done.pause ?? 0 };
  };
  await Promise.all(
    [...byConfig.values()].map(async ([first, ...rest]) => {
      if (first === undefined) return;
      const probe = await run(first);
      if (!probe.failing) return void (await Promise.all(rest.map(run)));
      for (const index of rest) outcomes[index] = waitIn(lane, probe.pause + jitterMs(probe.pause), 'receiver failing (probe failed)');
    }),
  );
  return sendMoves(
    deps,
    jobs,
    outcomes.map((outcome) => outcome ?? failed(new Error('message not handled'))),
  );
}

/** Sends the moved messages to the retry lane (grouped by delay); a failed send leaves them to be retried where they are. */
async function sendMoves(deps: WebhookDeps, jobs: WebhookDeliveryJob[], outcomes: MessageOutcome[]): Promise<MessageOutcome[]> {
  const byDelay = new Map<number, number[]>();
  outcomes.forEach((outcome, index) => {
    if (outcome.kind === 'move') byDelay.set(outcome.delaySeconds, [...(byDelay.get(outcome.delaySeconds) ?? []), index]);
  });
  for (const [delay, indexes] of byDelay) {
    for (let start = 0; start < indexes.length; start += 100) {
      const chunk = indexes.slice(start, start + 100);
      try {
        await deps.retryQueue.sendBatch(
          chunk.map((index) => ({ body: jobs[index] as WebhookDeliveryJob, contentType: 'json' as const, delaySeconds: delay })),
        );
      } catch (error) {
        for (const index of chunk) outcomes[index] = failed(error);
      }
    }
  }
  return outcomes;
}
