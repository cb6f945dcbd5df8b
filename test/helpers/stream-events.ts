import type { AuditEvent } from '../../worker/contract/audit-event.ts';
import { storedContentHash } from '../../worker/events/event-shape.ts';
import type { DestinationRequest } from '../../worker/streams/destinations/request.ts';

/** Shared by the stream destination tests: events, sending a built request, reading a receiver's log. */
export const HOSTILE = 'nul\u0000 lone\ud800 high\udfff emoji😀 "quote" \\ </script> \u2028';

export function event(organizationId: string, sequence: number, message = `event ${sequence}`): AuditEvent {
  const content = {
    id: `01JDX6Q8Z3V4K2M9R7T5W${String(sequence).padStart(5, '0')}`,
    organizationId,
    instanceId: null,
    timestamp: new Date(Date.UTC(2026, 10, 24, 10, 15, 30, 123) + sequence).toISOString(),
    action: 'update',
    actor: { type: 'user', id: 'alice@example.com', ip: '203.0.113.7' },
    object: {
      type: 'argocd_application',
      id: { name: 'guestbook', kind: 'Application', group: 'argoproj.io' },
      parentId: { name: 'prod', parentName: '', applicationName: '' },
    },
    details: { message, patch: '', actionType: 'sync' },
    count: 1,
    lastOccurredTimestamp: '2026-11-24T10:15:30.123Z',
    source: 'ingest' as const,
    sourceKeyId: null,
    credential: null,
    sequence,
  };
  return { ...content, contentHash: storedContentHash(content) };
}

export const events = (organizationId: string, count: number, from = 1) =>
  Array.from({ length: count }, (_, index) => event(organizationId, from + index));
export const send = (request: Pick<DestinationRequest, 'url' | 'method' | 'headers' | 'body'>) =>
  fetch(request.url, { method: request.method, headers: request.headers, body: request.body, redirect: 'manual' });
export const gunzip = async (bytes: ArrayBuffer | Uint8Array) =>
  new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'))).text();
export const orgId = () => `org_${crypto.randomUUID()}`;

export interface HecLog {
  envelopes: Array<{ time: number; source: string; sourcetype: string; event: AuditEvent }>;
}
export interface DatadogLog {
  headers: Record<string, string>;
  entries: Array<{ message: string; ddsource: string; service: string }>;
}
export const log = async <T>(base: string): Promise<T[]> => (await (await fetch(`${base}/_control/log`)).json()) as T[];
