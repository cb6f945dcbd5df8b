/**
 * Delivering a batch of queue messages: each message's delivery is attempted, ended, or sent back
 * to wait. Every retry decision here comes from webhooks/retry-policy.ts (read that first); this
 * file applies them: which lane a message waits in, a receiver's probe, the outcome per message.
 */
import pLimit from 'p-limit';
import type { Database } from '../../db/client.ts';
import type { NotificationConfigRow } from '../../db/schema.ts';
import type { WebhookDeliveryJob } from '../../env.ts';
import { queueBatches } from '../../queue-batches.ts';
import {
  delaySeconds,
  givesUp,
  jitterMs,
  LEASE_MS,
  laneFor,
  pauseMs,
  planAfterAttempt,
  SLOW_FAILURE_MS,
  waitUntilDueMs,
} from '../../webhooks/retry-policy.ts';
import { claimDeliveries, type DeliveryTarget, endWithoutAttempt, loadTargets, type RecordedAttempt, recordAttempts } from './attempts.ts';
import type { WebhookDeps } from './queues.ts';
import { sendAttempt } from './sender.ts';

export type Lane = 'delivery' | 'retry';

/**
 * Attempts in flight per batch. Production Workers let an invocation wait on at most six
 * connections at once (the rest queue behind them; `wrangler dev` does not enforce this), and the
 * database and queue calls of the batch need some of them: four attempts leave room for those.
 */
const ATTEMPTS_IN_FLIGHT = 4;

/** What the queue does with a message once handled. `move`: send it to the retry lane, then ack. */
export type MessageOutcome =
  | { kind: 'ack'; result: string }
  | { kind: 'retry'; delaySeconds: number; result: string }
  | { kind: 'move'; delaySeconds: number; result: string }
  | { kind: 'error'; result: string };

const ack = (result: string): MessageOutcome => ({ kind: 'ack', result });
const later = (ms: number, result: string): MessageOutcome => ({ kind: 'retry', delaySeconds: delaySeconds(ms), result });
/** Retry lane: wait in place; delivery lane: move to the retry lane with that delay. */
const waitIn = (lane: Lane, ms: number, result: string): MessageOutcome =>
  lane === 'retry' ? later(ms, result) : { kind: 'move', delaySeconds: delaySeconds(ms), result };
const failed = (error: unknown): MessageOutcome => ({ kind: 'error', result: error instanceof Error ? error.message : String(error) });

/** Deliveries that end without an attempt, with the reason the history shows. */
type Ending = { end: string; result: string };

/** Everything decided before an attempt: stale or finished messages, gone webhooks, failing receivers, not yet due. */
function prepare(job: WebhookDeliveryJob, target: DeliveryTarget | undefined, lane: Lane, now: number): MessageOutcome | Ending | null {
  if (!target) return ack('unknown delivery');
  const { delivery, config } = target;
  if (delivery.status !== 'pending') return ack('already done');
  if (delivery.generation !== job.generation) return ack('stale message');
  if (config.deletedAt !== null || !config.active) {
    const reason = config.deletedAt !== null ? 'deleted' : 'deactivated';
    return { end: `not delivered: the webhook was ${reason}`, result: `webhook ${reason}` };
  }
  const route = laneFor(config, now);
  if (route.lane === 'retry' && (lane === 'delivery' || route.delayMs > 0)) {
    if (route.delayMs > 0 && givesUp(delivery.createdAt, now)) {
      return { end: 'gave up: the receiver failed every attempt for 24 hours', result: 'gave up while paused' };
    }
    // A failing receiver's deliveries wait in the retry lane, so it cannot slow the delivery lane.
    return waitIn(lane, route.delayMs, route.delayMs > 0 ? 'receiver paused' : 'receiver failing');
  }
  const wait = waitUntilDueMs(delivery.nextAttemptAt, now);
  if (wait > 0) return waitIn(lane, wait, 'not due yet');
  return null;
}

interface Ready {
  index: number;
  job: WebhookDeliveryJob;
  target: DeliveryTarget;
}

/**
 * Attempts some deliveries of one config: claim them in one statement, send concurrently (within
 * the batch-wide limit), record every attempt and the receiver's health in one D1 batch. Returns
 * whether the receiver failed slowly (a retried failure that took SLOW_FAILURE_MS or more, a
 * timeout included) and how long it should rest.
 */
async function attemptGroup(
  deps: WebhookDeps,
  events: Database,
  config: NotificationConfigRow,
  ready: Ready[],
  lane: Lane,
  slot: ReturnType<typeof pLimit>,
  outcomes: (MessageOutcome | undefined)[],
) {
  const claimed = await claimDeliveries(
    events,
    ready.map((entry) => entry.job),
    Date.now(),
  );
  const attempts: (RecordedAttempt & { index: number })[] = [];
  await Promise.all(
    ready.map(async ({ index, target }) => {
      if (!claimed.has(target.delivery.id)) {
        outcomes[index] = later(LEASE_MS, 'held by another attempt');
        return;
      }
      const result = await slot(() => sendAttempt(deps.settings, config, target.delivery));
      attempts.push({ index, delivery: target.delivery, result, plan: planAfterAttempt(target.delivery, result, deps.retryBaseMs) });
    }),
  );
  const [firstAttempt, ...otherAttempts] = attempts;
  if (firstAttempt) await recordAttempts(deps.control, events, config, [firstAttempt, ...otherAttempts], deps.retryBaseMs);
  for (const { index, delivery, result, plan } of attempts) {
    const summary = `attempt ${delivery.attemptCount + 1}: ${result.verdict} ${result.statusCode || result.error}`;
    // Retries always wait in the retry lane, whichever lane the first attempt took.
    outcomes[index] =
      plan.status === 'pending' && plan.nextAttemptAt !== null ? waitIn(lane, plan.nextAttemptAt - Date.now(), summary) : ack(summary);
  }
  const slow = attempts.filter(
    (entry) => entry.result.verdict === 'retry' && entry.result.endedAt - entry.result.startedAt >= SLOW_FAILURE_MS,
  );
  if (slow.length === 0 || attempts.some((entry) => entry.result.verdict === 'success')) return { slow: false, pause: 0 };
  const ended = Math.max(...slow.map((entry) => entry.result.endedAt));
  const retryAfter = Math.max(0, ...slow.map((entry) => entry.result.retryAfterMs ?? 0));
  return { slow: true, pause: pauseMs(ended - (config.failingSince ?? ended), deps.retryBaseMs, retryAfter || null) };
}

/**
 * A batch of delivery messages. Per receiver, one attempt goes first: only when it does not fail
 * slowly are the receiver's other deliveries of the batch attempted, so a receiver that hangs
 * costs the batch one attempt (10 s at most), never one per message. Receivers proceed concurrently, at most
 * ATTEMPTS_IN_FLIGHT attempts at a time. Messages moved to the retry lane are sent there here.
 */
export async function deliverBatch(deps: WebhookDeps, jobs: WebhookDeliveryJob[], lane: Lane): Promise<MessageOutcome[]> {
  const now = Date.now();
  const outcomes: (MessageOutcome | undefined)[] = jobs.map(() => undefined);
  // Each organization's deliveries are in its shard: one lookup per organization in the batch.
  const byOrganization = new Map<string, number[]>();
  for (const [index, job] of jobs.entries()) {
    byOrganization.set(job.organizationId, [...(byOrganization.get(job.organizationId) ?? []), index]);
  }
  const groups = new Map<string, { events: Database; config: NotificationConfigRow; ready: Ready[] }>();
  for (const [organizationId, indexes] of byOrganization) {
    let events: Database;
    let targets: Map<string, DeliveryTarget>;
    try {
      events = await deps.shardDbFor(organizationId);
      const ids = [...new Set(indexes.map((index) => (jobs[index] as WebhookDeliveryJob).deliveryId))];
      targets = await loadTargets(deps.control, events, organizationId, ids);
    } catch (error) {
      for (const index of indexes) outcomes[index] = failed(error);
      continue;
    }
    const endings = new Map<string, { ids: string[]; indexes: number[]; result: string }>();
    for (const index of indexes) {
      const job = jobs[index] as WebhookDeliveryJob;
      const target = targets.get(job.deliveryId);
      const decided = prepare(job, target, lane, now);
      if (decided && 'end' in decided && target) {
        const ending = endings.get(decided.end) ?? { ids: [], indexes: [], result: decided.result };
        ending.ids.push(target.delivery.id);
        ending.indexes.push(index);
        endings.set(decided.end, ending);
      } else if (decided && !('end' in decided)) outcomes[index] = decided;
      else if (target) {
        const group = groups.get(target.config.id) ?? { events, config: target.config, ready: [] };
        group.ready.push({ index, job, target });
        groups.set(target.config.id, group);
      }
    }
    // One statement per reason, however many deliveries of a deleted webhook arrive together.
    for (const [note, ending] of endings) {
      const outcome = await endWithoutAttempt(events, ending.ids, note).then(() => ack(ending.result), failed);
      for (const index of ending.indexes) outcomes[index] = outcome;
    }
  }
  const slot = pLimit(ATTEMPTS_IN_FLIGHT);
  await Promise.all(
    [...groups.values()].map(async ({ events, config, ready }) => {
      const [probe, ...rest] = ready;
      if (!probe) return;
      try {
        const first = await attemptGroup(deps, events, config, [probe], lane, slot, outcomes);
        if (first.slow) {
          for (const entry of rest)
            outcomes[entry.index] = waitIn(lane, first.pause + jitterMs(first.pause), 'receiver slow (probe failed)');
          return;
        }
        if (rest.length > 0) await attemptGroup(deps, events, config, rest, lane, slot, outcomes);
      } catch (error) {
        for (const entry of ready) outcomes[entry.index] ??= failed(error);
      }
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
    for (const chunk of queueBatches(indexes)) {
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
