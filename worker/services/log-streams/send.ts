/**
 * Sends one request to a stream's destination, once. Every outcome (refused connection, timeout,
 * redirect, any status) is an answer, never a throw: the caller records it and decides
 * (streams/delivery-policy.ts).
 */

import { STREAM_ATTEMPT_TIMEOUT_MS } from '../../streams/delivery-policy.ts';
import type { DestinationRequest } from '../../streams/destinations/request.ts';
import { readCapped } from '../../webhooks/response-capture.ts';
import { retryAfterMs } from '../../webhooks/retry-policy.ts';
import { checkWebhookUrl } from '../../webhooks/url-policy.ts';

export interface SendOutcome {
  ok: boolean;
  /** The destination's HTTP status; 0 when it gave none. */
  status: number;
  /** Its answer, at most 4 KiB. */
  body: string;
  /** Why it failed ("" on success). */
  error: string;
  ms: number;
  /** The URL rule refused the address: nothing was sent. */
  refused: boolean;
  /** The destination's Retry-After, in ms (null: none). */
  retryAfterMs: number | null;
}

/** A request as sent: a built batch, or an archive copy whose body is a stream of known length. */
type Outgoing = Pick<DestinationRequest, 'url' | 'method' | 'headers'> & { body: Uint8Array | ReadableStream };

function failureText(error: unknown, timeoutMs: number): string {
  if (error instanceof DOMException && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return `timed out after ${timeoutMs / 1000} s`;
  }
  return `network error: ${(error instanceof Error ? error.message : String(error)).slice(0, 500)}`;
}

export async function sendRequest(request: Outgoing, allowInsecure: boolean, timeoutMs = STREAM_ATTEMPT_TIMEOUT_MS): Promise<SendOutcome> {
  const started = Date.now();
  const answer = (partial: Partial<SendOutcome>): SendOutcome => ({
    ok: false,
    status: 0,
    body: '',
    error: '',
    refused: false,
    retryAfterMs: null,
    ...partial,
    ms: Date.now() - started,
  });
  // The URL rule again: a stream stored under an older rule cannot reach what the current one refuses.
  const verdict = checkWebhookUrl(request.url, { allowInsecure });
  if (!verdict.ok) return answer({ error: `not sent: the URL ${verdict.reason}`, refused: true });
  let response: Response;
  try {
    // Redirects are not followed: the destination could otherwise send the batch (and its credentials) anywhere.
    response = await fetch(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    return answer({ error: failureText(error, timeoutMs) });
  }
  let body = '';
  let readError = '';
  try {
    body = await readCapped(response);
  } catch (error) {
    readError = `response body: ${failureText(error, timeoutMs)}`;
  }
  const status = response.status;
  const ok = status >= 200 && status < 300 && readError === '';
  let error = readError;
  if (status >= 300 && status < 400) error = `redirects are not followed (Location: ${response.headers.get('location') ?? 'none'})`;
  else if (!ok && error === '') error = `HTTP ${status}`;
  return answer({ ok, status, body, error, retryAfterMs: retryAfterMs(response.headers.get('retry-after'), started) });
}
