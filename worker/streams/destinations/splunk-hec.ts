import type { AuditEvent } from '../../contract/audit-event.ts';
import { type DestinationRequest, type EventPayload, nativePayload, STREAM_USER_AGENT, span, utf8 } from './request.ts';

export interface SplunkHecSettings {
  /** The HEC event endpoint, `https://<host>:8088/services/collector/event`. */
  url: string;
  token: string;
}

/** The envelope HEC's `/services/collector/event` endpoint takes, one per event. */
interface HecEnvelope {
  time: number;
  source: 'audit-logs';
  sourcetype: 'audit-logs:event';
  /** The event, or its OCSF object (`format: "ocsf"`). */
  event: unknown;
}

/**
 * Epoch seconds with milliseconds, as HEC's `time` wants them. The event's own timestamp (not the
 * delivery time), so a redelivered batch indexes at the same instant and Splunk's time range
 * searches find events where they happened.
 */
export function hecTime(timestamp: string): number {
  const ms = Date.parse(timestamp);
  if (!Number.isFinite(ms)) throw new Error(`not a timestamp: ${timestamp.slice(0, 40)}`);
  // ms / 1000 prints the shortest decimal that round-trips, i.e. at most three decimals.
  return ms / 1000;
}

/**
 * A batch for a `splunk_hec` stream (docs/STREAMS.md): the envelopes concatenated (HEC's batch form,
 * one JSON object after another, here a newline apart) with `Authorization: Splunk <token>`.
 */
export function splunkHecRequest(
  events: readonly AuditEvent[],
  settings: SplunkHecSettings,
  payload: EventPayload = nativePayload,
): DestinationRequest {
  const body = events
    .map((event) => {
      const envelope: HecEnvelope = {
        time: hecTime(event.timestamp),
        source: 'audit-logs',
        sourcetype: 'audit-logs:event',
        event: payload(event),
      };
      return `${JSON.stringify(envelope)}\n`;
    })
    .join('');
  return {
    url: settings.url,
    method: 'POST',
    headers: {
      authorization: `Splunk ${settings.token}`,
      'content-type': 'application/json',
      'user-agent': STREAM_USER_AGENT,
    },
    body: utf8(body),
    ...span(events),
  };
}
