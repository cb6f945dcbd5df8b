/**
 * How a webhook delivery is retried: every decision, in one place (docs/WEBHOOKS.md, "Retries").
 * services/webhooks/deliver.ts applies them to a batch of queue messages; the other callers are
 * named below. Pure functions and constants: no database, no queue.
 *
 * 1. An attempt's verdict (`statusVerdict`, `retryAfterMs`; services/webhooks/sender.ts): 2xx
 *    succeeds; network errors, the 10 s timeout, 408, 429 and 5xx retry; every other status fails
 *    at once. Pings never retry (`retriesFailures`).
 * 2. After a retried failure (`planAfterAttempt`): the next attempt after an exponential backoff
 *    (`backoffMs`), or later when the receiver's Retry-After asks; once the delivery has failed for
 *    24 hours since its first attempt it gives up (`givesUp`).
 * 3. The receiver's health (services/webhooks/attempts.ts records it): after PAUSE_AFTER_FAILURES
 *    failures in a row, or a Retry-After, the receiver rests (`pauseMs`); a failed attempt slower
 *    than SLOW_FAILURE_MS holds back the rest of its batch (deliver.ts). While a receiver fails, its
 *    deliveries wait in the retry queue (`laneFor`), so it cannot slow the others'; a delivery that
 *    waits behind a pause for 24 hours since it was created gives up too.
 * 4. Queue timing: delays are whole seconds, at most 12 hours (`delaySeconds`); messages waking
 *    together are spread (`jitterMs`); a message that arrives before its delivery is due waits
 *    (`waitUntilDueMs`); an attempt holds its delivery for LEASE_MS, so a second copy of the message
 *    waits that long instead of sending twice.
 * 5. Lost messages: a pending delivery STALE_AFTER_MS past its next attempt is sent again by the
 *    dispatcher under a new generation (services/webhooks/dispatch.ts#reissueStaleDeliveries),
 *    which the daily run nudges for every organization with an active webhook (jobs/webhook-daily.ts).
 * 6. Failures of the machinery itself (a database or queue error, not the receiver's answer): the
 *    queue retries the message (`machineryRetrySeconds`, DISPATCH_RETRY_SECONDS;
 *    jobs/webhook-consumers.ts).
 * 7. By hand: redeliver (services/webhooks/history.ts) creates a new delivery that goes through all
 *    of the above; ping makes one attempt inside the request.
 */
import type { NotificationConfigRow, WebhookDeliveryRow } from '../db/schema.ts';

/** Each attempt may take this long, connection and response headers included. */
export const ATTEMPT_TIMEOUT_MS = 10_000;
/** A delivery whose attempts have failed for this long since the first one gives up. */
const GIVE_UP_AFTER_MS = 24 * 3_600_000;
/** The backoff doubles up to this. */
const MAX_BACKOFF_MS = 3_600_000;
/** Queues delay a message by at most 12 hours: the longest Retry-After honoured. */
const MAX_RETRY_AFTER_MS = 12 * 3_600_000;
/**
 * A failed attempt that took this long (or timed out) marks a slow receiver: the rest of its
 * batch waits instead of tying up connections. A fast failure (a quick 5xx, a refused
 * connection) costs nothing, so the others are still tried on their own schedule.
 */
export const SLOW_FAILURE_MS = 2_000;
/** After this many failed attempts in a row the receiver is paused (no attempts until pausedUntil). */
export const PAUSE_AFTER_FAILURES = 3;
/** An attempt holds its delivery this long: its timeout plus time to record the outcome. */
export const LEASE_MS = ATTEMPT_TIMEOUT_MS + 20_000;
/** A pending delivery whose next attempt is this overdue has lost its queue message: it is sent again. */
export const STALE_AFTER_MS = 15 * 60_000;
/** A message that arrives this little before its delivery's next attempt is attempted at once. */
const DUE_TOLERANCE_MS = 1000;
/** A dispatch run that failed (database or queue error) is retried after this many seconds. */
export const DISPATCH_RETRY_SECONDS = 10;

export type AttemptVerdict = 'success' | 'retry' | 'fail';

export function statusVerdict(status: number): AttemptVerdict {
  if (status >= 200 && status < 300) return 'success';
  if (status === 408 || status === 429 || status >= 500) return 'retry';
  return 'fail';
}

/** Retry-After as delta-seconds or an HTTP date → milliseconds from now (null when absent or unreadable). */
export function retryAfterMs(value: string | null, now: number): number | null {
  if (value === null) return null;
  const text = value.trim();
  let ms: number;
  if (/^\d{1,10}$/.test(text)) ms = Number(text) * 1000;
  else {
    const date = Date.parse(text);
    if (Number.isNaN(date)) return null;
    ms = date - now;
  }
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, ms));
}

/** Audit events are retried; a ping (and a redelivered ping) gets one attempt. */
function retriesFailures(eventType: WebhookDeliveryRow['eventType']): boolean {
  return eventType === 'WEBHOOK_EVENT_TYPE_AUDIT';
}

/** Delay after the n-th failed attempt (n ≥ 1): base, 2·base, 4·base … up to an hour, plus up to 10 % jitter. */
export function backoffMs(failedAttempts: number, baseMs: number, random: () => number = Math.random): number {
  const delay = Math.min(MAX_BACKOFF_MS, baseMs * 2 ** Math.max(0, Math.min(30, failedAttempts - 1)));
  return Math.round(delay * (1 + random() * 0.1));
}

/**
 * How long a failing receiver rests: as long as it has been failing (so probes double their
 * spacing), at least the base delay and at most an hour; longer when it asked (Retry-After).
 */
export function pauseMs(failingForMs: number, baseMs: number, retryAfter: number | null): number {
  const backoff = Math.min(MAX_BACKOFF_MS, Math.max(baseMs, failingForMs));
  return Math.max(backoff, retryAfter ?? 0);
}

/** Whether a delivery failing (or waiting) since `since` has had its 24 hours. */
export function givesUp(since: number, now: number): boolean {
  return now - since >= GIVE_UP_AFTER_MS;
}

/** Queue delays are whole seconds, at most 12 hours. */
export function delaySeconds(ms: number): number {
  return Math.min(MAX_RETRY_AFTER_MS / 1000, Math.max(0, Math.ceil(ms / 1000)));
}

/** What an attempt's outcome says, as far as retrying goes. */
export interface AttemptOutcome {
  verdict: AttemptVerdict;
  error: string;
  startedAt: number;
  endedAt: number;
  /** The receiver's Retry-After, in ms from the end of the attempt. */
  retryAfterMs: number | null;
}

/** What happens to a delivery after an attempt. */
export interface AttemptPlan {
  status: WebhookDeliveryRow['status'];
  nextAttemptAt: number | null;
  note: string | null;
}

/** A delivery's next state after an attempt: done, failed (at once, or given up after 24 hours), or pending until its backoff ends. */
export function planAfterAttempt(
  delivery: Pick<WebhookDeliveryRow, 'attemptCount' | 'firstAttemptAt' | 'eventType'>,
  result: AttemptOutcome,
  retryBaseMs: number,
): AttemptPlan {
  if (result.verdict === 'success') return { status: 'success', nextAttemptAt: null, note: null };
  if (result.verdict === 'fail' || !retriesFailures(delivery.eventType)) return { status: 'failure', nextAttemptAt: null, note: null };
  const attempts = delivery.attemptCount + 1;
  if (givesUp(delivery.firstAttemptAt ?? result.startedAt, result.endedAt)) {
    return {
      status: 'failure',
      nextAttemptAt: null,
      note: `gave up: all ${attempts} attempts failed over 24 hours (last: ${result.error})`,
    };
  }
  const wait = Math.max(backoffMs(attempts, retryBaseMs), result.retryAfterMs ?? 0);
  return { status: 'pending', nextAttemptAt: result.endedAt + wait, note: null };
}

/** Spreads the messages that wake up together when a pause ends (at most a minute). */
export const jitterMs = (delayMs: number, random: () => number = Math.random) => Math.round(random() * Math.min(60_000, delayMs * 0.1));

/** The part of a webhook's row that says how its receiver is doing. */
export type ReceiverHealth = Pick<NotificationConfigRow, 'failingSince' | 'pausedUntil'>;

/** A healthy receiver's deliveries take the fast lane; a failing one's wait in the retry lane until its pause ends. */
export function laneFor(config: ReceiverHealth, now: number): { lane: 'delivery' | 'retry'; delayMs: number } {
  if (config.failingSince === null && (config.pausedUntil ?? 0) <= now) return { lane: 'delivery', delayMs: 0 };
  const wait = Math.max(0, (config.pausedUntil ?? 0) - now);
  return { lane: 'retry', delayMs: wait > 0 ? wait + jitterMs(wait) : 0 };
}

/** How long a message that arrived before its delivery's next attempt waits (0: attempt it now). */
export function waitUntilDueMs(nextAttemptAt: number | null, now: number): number {
  const due = nextAttemptAt ?? now;
  return due > now + DUE_TOLERANCE_MS ? due - now + jitterMs(due - now) : 0;
}

/** A delivery message whose handling failed (not the receiver: the database or a queue) waits longer each time, up to 5 minutes. */
export function machineryRetrySeconds(messageAttempts: number): number {
  return Math.min(300, 10 * messageAttempts);
}
