import type { AuditEvent } from '../../contract/audit-event.ts';
import { signatureHeader } from '../../webhooks/signature.ts';
import { checkExtraHeaders } from './extra-headers.ts';
import { type DestinationRequest, type EventPayload, nativePayload, ndjson, STREAM_USER_AGENT, span, utf8 } from './request.ts';

export interface HttpsSettings {
  url: string;
  /** The plain secret (decrypted by the caller); signs the exact body bytes as webhooks do. */
  secret: string;
  headers?: Record<string, string>;
}

/** `X-Audit-Event` of a stream batch: a receiver shared with webhooks can tell the two apart. */
const STREAM_BATCH_EVENT = 'AUDIT_LOG_STREAM_BATCH';

/**
 * A batch for an `https` stream (docs/STREAMS.md): NDJSON, one event a line, signed like a webhook
 * (`X-Audit-Signature-256: sha256=<hex HMAC-SHA256(secret, body)>`, docs/WEBHOOKS.md), with the
 * batch id and its sequence span so a receiver can dedup and spot gaps without parsing the body.
 * Throws when the extra headers break the rules: the API refuses them before they are stored.
 */
export async function httpsRequest(
  events: readonly AuditEvent[],
  settings: HttpsSettings,
  batchId: string,
  payload: EventPayload = nativePayload,
): Promise<DestinationRequest> {
  const extra = checkExtraHeaders(settings.headers);
  if (!extra.ok) throw new Error(`https stream headers: ${extra.reason}`);
  const sequences = span(events);
  const body = utf8(ndjson(events, payload));
  return {
    url: settings.url,
    method: 'POST',
    headers: {
      ...extra.headers,
      'content-type': 'application/x-ndjson',
      'user-agent': STREAM_USER_AGENT,
      'x-audit-delivery': batchId,
      'x-audit-event': STREAM_BATCH_EVENT,
      'x-audit-first-sequence': String(sequences.firstSequence),
      'x-audit-last-sequence': String(sequences.lastSequence),
      'x-audit-event-count': String(sequences.eventCount),
      'x-audit-signature-256': await signatureHeader(settings.secret, body),
    },
    body,
    ...sequences,
  };
}
