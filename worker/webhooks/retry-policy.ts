/**
 * When a webhook attempt counts as delivered, when it is retried and how long to wait (docs/WEBHOOKS.md):
 * 2xx succeeds; network errors, the 10 s timeout, 408, 429 and 5xx retry with exponential backoff
 * (honouring Retry-After) for at least 24 hours; every other status fails at once.
 */

/** Each attempt may take this long, connection and response headers included. */
export const ATTEMPT_TIMEOUT_MS = 10_000;
/** A delivery whose attempts have failed for this long since the first one gives up. */
export const GIVE_UP_AFTER_MS = 24 * 3_600_000;
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

export function givesUp(firstAttemptAt: number, now: number): boolean {
  return now - firstAttemptAt >= GIVE_UP_AFTER_MS;
}

/** Queue delays are whole seconds, at most 12 hours. */
export function delaySeconds(ms: number): number {
  return Math.min(MAX_RETRY_AFTER_MS / 1000, Math.max(0, Math.ceil(ms / 1000)));
}
