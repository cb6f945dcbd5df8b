import type { NotificationConfigRow, WebhookDeliveryRow } from '../../db/schema.ts';
import { requestHeaders } from '../../webhooks/payload.ts';
import { headerRecord, readCapped } from '../../webhooks/response-capture.ts';
import { ATTEMPT_TIMEOUT_MS, type AttemptVerdict, retryAfterMs, statusVerdict } from '../../webhooks/retry-policy.ts';
import { decryptSecret } from '../../webhooks/secret-box.ts';
import { signatureHeader } from '../../webhooks/signature.ts';
import { checkWebhookUrl } from '../../webhooks/url-policy.ts';
import type { WebhookSettings } from './configs.ts';

/** One HTTP attempt, as the history records it. */
export interface AttemptResult {
  verdict: AttemptVerdict;
  statusCode: number;
  error: string;
  response: string;
  requestHeaders: Record<string, string>;
  responseHeaders: Record<string, string>;
  startedAt: number;
  endedAt: number;
  /** The receiver's Retry-After, in ms from the end of the attempt. */
  retryAfterMs: number | null;
}

function failureText(error: unknown): string {
  if (error instanceof DOMException && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return `timed out after ${ATTEMPT_TIMEOUT_MS / 1000} s`;
  }
  const message = error instanceof Error ? error.message : String(error);
  return `network error: ${message.slice(0, 500)}`;
}

/**
 * POSTs the delivery's stored body to the config's URL, signed with its secret. Never throws for
 * anything the receiver does: every outcome (timeout, refused connection, redirect, any status)
 * becomes a result. The URL rule is checked again here, so a config stored under an older rule
 * cannot reach what the current one refuses.
 */
export async function sendAttempt(
  settings: WebhookSettings,
  config: Pick<NotificationConfigRow, 'id' | 'url' | 'secretCiphertext'>,
  delivery: Pick<WebhookDeliveryRow, 'id' | 'eventType' | 'body'>,
): Promise<AttemptResult> {
  const startedAt = Date.now();
  const verdict = checkWebhookUrl(config.url, { allowInsecure: settings.allowInsecure });
  const body = new TextEncoder().encode(delivery.body);
  const secret = await decryptSecret(settings.secretKey, config.id, config.secretCiphertext);
  const headers = requestHeaders(delivery.id, delivery.eventType, await signatureHeader(secret, body));
  const result = (partial: Partial<AttemptResult> & Pick<AttemptResult, 'verdict'>): AttemptResult => ({
    statusCode: 0,
    error: '',
    response: '',
    requestHeaders: headers,
    responseHeaders: {},
    startedAt,
    endedAt: Date.now(),
    retryAfterMs: null,
    ...partial,
  });
  if (!verdict.ok) return result({ verdict: 'fail', error: `not sent: the URL ${verdict.reason}` });

  let response: Response;
  const signal = AbortSignal.timeout(ATTEMPT_TIMEOUT_MS);
  try {
    // Redirects are not followed: a receiver could otherwise send the signed body anywhere.
    response = await fetch(verdict.url, { method: 'POST', headers, body, redirect: 'manual', signal });
  } catch (error) {
    return result({ verdict: 'retry', error: failureText(error) });
  }
  const responseHeaders = headerRecord(response.headers);
  let text = '';
  let readError = '';
  try {
    text = await readCapped(response);
  } catch (error) {
    readError = `response body: ${failureText(error)}`;
  }
  const endedAt = Date.now();
  const status = response.status;
  let outcome = statusVerdict(status);
  let error = readError;
  if (status >= 300 && status < 400) {
    outcome = 'fail';
    error = `redirects are not followed (Location: ${response.headers.get('location') ?? 'none'})`;
  } else if (outcome !== 'success') error = error || `HTTP ${status}`;
  return result({
    verdict: outcome,
    statusCode: status,
    error,
    response: text,
    responseHeaders,
    endedAt,
    retryAfterMs: outcome === 'retry' ? retryAfterMs(response.headers.get('retry-after'), endedAt) : null,
  });
}
