import type { AuditEvent } from '../../contract/audit-event.ts';

/**
 * One HTTP request a destination receives, fully built: the delivery engine sends it as it is
 * (`fetch(url, { method, headers, body, redirect: 'manual' })`) and records the answer. Plain data
 * rather than a `Request`, so a delivery can be stored, inspected and retried byte for byte.
 */
export interface DestinationRequest {
  url: string;
  method: 'POST' | 'PUT';
  headers: Record<string, string>;
  body: Uint8Array;
  /** The sequences the request carries (inclusive), for the delivery history. */
  firstSequence: number;
  lastSequence: number;
  eventCount: number;
}

/** The user agent of every stream request, so receivers can tell streams from webhooks. */
export const STREAM_USER_AGENT = 'audit-logs-streams/1';

const encoder = new TextEncoder();

/** UTF-8 bytes of a string (a lone surrogate cannot occur: JSON.stringify escapes it). */
export const utf8 = (text: string): Uint8Array => encoder.encode(text);

/**
 * What a batch carries for each event: the event itself (`format: "native"`) or its OCSF object
 * (`toOcsf`, `format: "ocsf"`). Sequences, timestamps and object keys always come from the event.
 */
export type EventPayload = (event: AuditEvent) => unknown;
export const nativePayload: EventPayload = (event) => event;

/**
 * NDJSON, one event (as `payload` renders it) a line, each line ending in `\n` (so concatenated batches stay valid NDJSON).
 * JSON.stringify escapes NUL and lone surrogates (`\u0000`, `\ud800`), so hostile strings travel
 * as escapes and every line is well-formed UTF-8.
 */
export const ndjson = (events: readonly AuditEvent[], payload: EventPayload = nativePayload): string =>
  events.map((event) => `${JSON.stringify(payload(event))}\n`).join('');

/** gzip with the runtime's native compressor (workerd and Node both have CompressionStream). */
export async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes]).stream().pipeThrough(new CompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** The sequence span of a non-empty, ascending batch. */
export function span(events: readonly AuditEvent[]): Pick<DestinationRequest, 'firstSequence' | 'lastSequence' | 'eventCount'> {
  const first = events[0];
  const last = events[events.length - 1];
  if (!first || !last) throw new Error('a destination request needs at least one event');
  return { firstSequence: first.sequence, lastSequence: last.sequence, eventCount: events.length };
}
