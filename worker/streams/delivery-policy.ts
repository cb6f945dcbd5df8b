/**
 * How a log stream's delivery reacts to a destination's answer: every decision in one place
 * (docs/STREAMS.md, "Delivery"). Pure functions and constants; services/log-streams/deliver.ts
 * applies them.
 *
 * - 2xx: delivered; the checkpoint moves past the batch.
 * - 401, 403, 404, or a URL the rule refuses: `invalid`. Credentials or the address are wrong and
 *   sending again cannot help, so nothing is sent until the stream's configuration changes.
 * - Anything else (a refused connection, the timeout, a redirect, 408, 429, 5xx, other 4xx):
 *   `error`. The same batch is sent again after a backoff that grows with how long the stream has
 *   been failing, or after the destination's Retry-After when that is longer.
 */

/** One request to a destination may take this long, connection and answer included (as webhooks). */
export const STREAM_ATTEMPT_TIMEOUT_MS = 10_000;
/** The first retry waits this long… */
const MIN_RETRY_MS = 1_000;
/** …and no retry waits longer, so a destination that recovers is caught up within a minute. */
const MAX_RETRY_MS = 60_000;
/** The longest Retry-After honoured: a destination cannot park a stream for longer. */
const MAX_RETRY_AFTER_MS = 15 * 60_000;

export type AttemptVerdict = 'delivered' | 'invalid' | 'retry';

/** The verdict on one request's outcome (`status` 0: no answer; `refused`: the URL rule said no). */
export function attemptVerdict(outcome: { ok: boolean; status: number; refused: boolean }): AttemptVerdict {
  if (outcome.ok) return 'delivered';
  if (outcome.refused || outcome.status === 401 || outcome.status === 403 || outcome.status === 404) return 'invalid';
  return 'retry';
}

/**
 * The wait before the next try of a failing stream: a quarter of how long it has been failing,
 * between 1 s and 60 s (1 s, 1 s, … then growing by a quarter each time), so a short blip is
 * retried at once and a long outage costs a request a minute; a Retry-After that asks for longer
 * wins, up to 15 minutes.
 */
export function retryDelayMs(failingSince: number, now: number, retryAfterMs: number | null): number {
  const backoff = Math.min(MAX_RETRY_MS, Math.max(MIN_RETRY_MS, Math.floor((now - failingSince) / 4)));
  if (retryAfterMs === null) return backoff;
  return Math.max(backoff, Math.min(MAX_RETRY_AFTER_MS, retryAfterMs));
}

/**
 * One archive file copy (exportArchives) may take this long: a ZIP can be hundreds of MB, so the
 * batch timeout would fail every large copy. 10 s plus 1 s per MiB (a destination slower than
 * 1 MiB/s is treated as failing), at most 10 minutes, within what one Durable Object alarm may run.
 */
export function archiveCopyTimeoutMs(bytes: number): number {
  return Math.min(10 * 60_000, STREAM_ATTEMPT_TIMEOUT_MS + Math.ceil(bytes / 1_048_576) * 1000);
}
