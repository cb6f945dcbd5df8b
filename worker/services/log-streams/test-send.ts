/**
 * `POST …/audit-log-streams/{id}/test`: one batch holding one synthetic event, built by the real
 * encoder of the stream's type, in its format (native or OCSF), and sent now, with the destination's answer returned as it came.
 * Every outcome (refused connection, timeout, redirect, any status) is an answer, never a 500.
 */
import type { AuditEvent } from '../../contract/audit-event.ts';
import type { LogStreamTestResult } from '../../contract/log-streams.ts';
import type { Database } from '../../db/client.ts';
import { newId, newUlid } from '../../db/ids.ts';
import type { LogStreamRow } from '../../db/schema.ts';
import { datadogRequests } from '../../streams/destinations/datadog.ts';
import { httpsRequest } from '../../streams/destinations/https.ts';
import { type DestinationRequest, type EventPayload, nativePayload } from '../../streams/destinations/request.ts';
import { s3BatchRequest } from '../../streams/destinations/s3.ts';
import { splunkHecRequest } from '../../streams/destinations/splunk-hec.ts';
import { toOcsf } from '../../streams/ocsf.ts';
import { readCapped } from '../../webhooks/response-capture.ts';
import { ATTEMPT_TIMEOUT_MS } from '../../webhooks/retry-policy.ts';
import { decryptSecret } from '../../webhooks/secret-box.ts';
import { checkWebhookUrl } from '../../webhooks/url-policy.ts';
import type { StreamSettingsDeps } from './configs.ts';
import { recordTestDelivery } from './deliveries.ts';
import type { StreamSettings } from './settings.ts';

/** Sequence 0 never names a stored event (they start at 1): a receiver can tell a test from data. */
function testEvent(organizationId: string, streamName: string, now: number): AuditEvent {
  const timestamp = new Date(now).toISOString();
  return {
    id: newUlid(now),
    organizationId,
    instanceId: null,
    timestamp,
    action: 'test',
    actor: { type: 'system', id: 'audit-logs', ip: '' },
    object: {
      type: 'audit_log_stream',
      id: { name: streamName, kind: '', group: '' },
      parentId: { name: '', parentName: '', applicationName: '' },
    },
    details: { message: `Test batch of log stream ${streamName}`, patch: '', actionType: 'test' },
    count: 1,
    lastOccurredTimestamp: timestamp,
    source: 'platform',
    sourceKeyId: null,
    credential: null,
    sequence: 0,
  };
}

const text = (settings: StreamSettings, key: string): string => {
  const value = settings[key];
  return typeof value === 'string' ? value : '';
};

async function buildRequest(row: LogStreamRow, secret: string, event: AuditEvent): Promise<DestinationRequest> {
  const settings = JSON.parse(row.settingsJson) as StreamSettings;
  const payload: EventPayload = row.format === 'ocsf' ? toOcsf : nativePayload;
  switch (row.type) {
    case 'https':
      return httpsRequest(
        [event],
        { url: text(settings, 'url'), secret, headers: settings.headers as Record<string, string> | undefined },
        newId('dlv'),
        payload,
      );
    case 'splunk_hec':
      return splunkHecRequest([event], { url: text(settings, 'url'), token: secret }, payload);
    case 'datadog': {
      const [first] = await datadogRequests(
        [event],
        {
          site: text(settings, 'site') || undefined,
          url: text(settings, 'url') || undefined,
          apiKey: secret,
        },
        payload,
      );
      if (!first) throw new Error('a one-event batch makes one Datadog request');
      return first;
    }
    case 's3':
      return s3BatchRequest(
        [event],
        {
          endpoint: text(settings, 'endpoint'),
          region: text(settings, 'region'),
          bucket: text(settings, 'bucket'),
          prefix: text(settings, 'prefix'),
          accessKeyId: text(settings, 'accessKeyId'),
          secretAccessKey: secret,
        },
        payload,
      );
  }
}

function failureText(error: unknown): string {
  if (error instanceof DOMException && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return `timed out after ${ATTEMPT_TIMEOUT_MS / 1000} s`;
  }
  return `network error: ${(error instanceof Error ? error.message : String(error)).slice(0, 500)}`;
}

/** Sends the request once; every outcome is a result. */
async function sendOnce(request: DestinationRequest, allowInsecure: boolean, started: number): Promise<LogStreamTestResult> {
  const answer = (partial: Partial<LogStreamTestResult>): LogStreamTestResult => ({
    ok: false,
    status: 0,
    body: '',
    error: '',
    ms: Date.now() - started,
    ...partial,
  });
  // The URL rule again: a stream stored under an older rule cannot reach what the current one refuses.
  const verdict = checkWebhookUrl(request.url, { allowInsecure });
  if (!verdict.ok) return answer({ error: `not sent: the URL ${verdict.reason}` });
  let response: Response;
  try {
    // Redirects are not followed: the destination could otherwise send the batch (and its credentials) anywhere.
    response = await fetch(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS),
    });
  } catch (error) {
    return answer({ error: failureText(error) });
  }
  let body = '';
  let readError = '';
  try {
    body = await readCapped(response);
  } catch (error) {
    readError = `response body: ${failureText(error)}`;
  }
  const status = response.status;
  const ok = status >= 200 && status < 300 && readError === '';
  let error = readError;
  if (status >= 300 && status < 400) error = `redirects are not followed (Location: ${response.headers.get('location') ?? 'none'})`;
  else if (!ok && error === '') error = `HTTP ${status}`;
  return answer({ ok, status, body, error });
}

/** The test batch of a stream, sent now and recorded in its delivery history (the organization's shard). */
export async function testStream(deps: StreamSettingsDeps, events: Database, row: LogStreamRow, now: number): Promise<LogStreamTestResult> {
  const started = Date.now();
  const secret = await decryptSecret(deps.secretKey, row.id, row.secretCiphertext);
  let request: DestinationRequest;
  try {
    request = await buildRequest(row, secret, testEvent(row.organizationId, row.name, now));
  } catch (error) {
    // Settings stored under an older rule that the encoder now refuses: say so rather than a 500.
    const reason = error instanceof Error ? error.message : String(error);
    return { ok: false, status: 0, body: '', error: `not sent: ${reason.slice(0, 500)}`, ms: Date.now() - started };
  }
  const result = await sendOnce(request, deps.allowInsecure, started);
  await recordTestDelivery(events, {
    id: newId('lsd'),
    streamId: row.id,
    organizationId: row.organizationId,
    kind: 'test',
    firstSequence: request.firstSequence,
    lastSequence: request.lastSequence,
    eventCount: request.eventCount,
    bytes: request.body.byteLength,
    succeeded: result.ok,
    statusCode: result.status,
    error: result.error,
    response: result.body,
    startedAt: started,
    endedAt: started + result.ms,
  });
  return result;
}
