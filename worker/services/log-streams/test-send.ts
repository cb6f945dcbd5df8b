/**
 * `POST …/audit-log-streams/{id}/test`: one batch holding one synthetic event, built by the real
 * encoder of the stream's type, in its format (native or OCSF), and sent now, with the destination's answer returned as it came.
 * Every outcome (refused connection, timeout, redirect, any status) is an answer, never a 500.
 */
import type { AuditEvent } from '../../contract/audit-event.ts';
import type { LogStreamTestResult } from '../../contract/log-streams.ts';
import type { Database } from '../../db/client.ts';
import { newUlid } from '../../db/ids.ts';
import type { LogStreamRow } from '../../db/schema.ts';
import { contentHashOf } from '../../events/content-hash.ts';
import type { DestinationRequest } from '../../streams/destinations/request.ts';
import { decryptSecret } from '../../webhooks/secret-box.ts';
import type { StreamSettingsDeps } from './configs.ts';
import { recordDelivery } from './deliveries.ts';
import { buildRequests, streamDestination } from './requests.ts';
import { sendRequest } from './send.ts';

/** Sequence 0 never names a stored event (they start at 1): a receiver can tell a test from data. */
function testEvent(organizationId: string, streamName: string, now: number): AuditEvent {
  const timestamp = new Date(now).toISOString();
  const event = {
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
    source: 'platform' as const,
    sourceKeyId: null,
    credential: null,
    sequence: 0,
  };
  return { ...event, contentHash: contentHashOf(event) };
}

/** The test batch of a stream, sent now and recorded in its delivery history (the organization's shard). */
export async function testStream(deps: StreamSettingsDeps, events: Database, row: LogStreamRow, now: number): Promise<LogStreamTestResult> {
  const started = Date.now();
  const secret = await decryptSecret(deps.secretKey, row.id, row.secretCiphertext);
  let request: DestinationRequest | undefined;
  try {
    [request] = await buildRequests(streamDestination(row, secret), [testEvent(row.organizationId, row.name, now)]);
  } catch (error) {
    // Settings stored under an older rule that the encoder now refuses: say so rather than a 500.
    const reason = error instanceof Error ? error.message : String(error);
    return { ok: false, status: 0, body: '', error: `not sent: ${reason.slice(0, 500)}`, ms: Date.now() - started };
  }
  if (!request) throw new Error('a one-event batch makes one request');
  const { ok, status, body, error, ms } = await sendRequest(request, deps.allowInsecure);
  await recordDelivery(events, 'test', row, request, { ok, status, body, error, ms }, started);
  return { ok, status, body, error, ms };
}
