/**
 * The requests that carry a run of events to a stream's destination, built by the encoder of its
 * type in its format (docs/STREAMS.md): batches of at most 1,000 events and 1 MB (Datadog: its own
 * limits), in ascending sequence, each a request the destination accepts as it is.
 */
import type { AuditEvent } from '../../contract/audit-event.ts';
import { newId } from '../../db/ids.ts';
import type { LogStreamRow } from '../../db/schema.ts';
import { ndjsonLineBytes, STREAM_BATCH_LIMITS, splitBatches } from '../../streams/destinations/batch-splitter.ts';
import { datadogRequests } from '../../streams/destinations/datadog.ts';
import { httpsRequest } from '../../streams/destinations/https.ts';
import { type DestinationRequest, type EventPayload, nativePayload } from '../../streams/destinations/request.ts';
import { type S3Settings, s3BatchRequest } from '../../streams/destinations/s3.ts';
import { splunkHecRequest } from '../../streams/destinations/splunk-hec.ts';
import { toOcsf } from '../../streams/ocsf.ts';
import type { StreamSettings } from './settings.ts';

const text = (settings: StreamSettings, key: string): string => {
  const value = settings[key];
  return typeof value === 'string' ? value : '';
};

/** A stream's destination with its secret (decrypted by the caller), ready to encode batches. */
export interface StreamDestination {
  type: LogStreamRow['type'];
  payload: EventPayload;
  settings: StreamSettings;
  secret: string;
}

export function streamDestination(row: Pick<LogStreamRow, 'type' | 'format' | 'settingsJson'>, secret: string): StreamDestination {
  return {
    type: row.type,
    payload: row.format === 'ocsf' ? toOcsf : nativePayload,
    settings: JSON.parse(row.settingsJson) as StreamSettings,
    secret,
  };
}

/** An s3 stream's bucket and credentials (its batches and its archive copies). */
export function s3Settings(settings: StreamSettings, secret: string): S3Settings {
  return {
    endpoint: text(settings, 'endpoint'),
    region: text(settings, 'region'),
    bucket: text(settings, 'bucket'),
    prefix: text(settings, 'prefix'),
    accessKeyId: text(settings, 'accessKeyId'),
    secretAccessKey: secret,
  };
}

/** One request for one batch of a type that takes NDJSON-like lines (all but Datadog). */
async function lineRequest(destination: StreamDestination, events: readonly AuditEvent[]): Promise<DestinationRequest> {
  const { settings, secret, payload } = destination;
  switch (destination.type) {
    case 'https':
      return httpsRequest(
        events,
        { url: text(settings, 'url'), secret, headers: settings.headers as Record<string, string> | undefined },
        newId('lsd'),
        payload,
      );
    case 'splunk_hec':
      return splunkHecRequest(events, { url: text(settings, 'url'), token: secret }, payload);
    default:
      return s3BatchRequest(events, s3Settings(settings, secret), payload);
  }
}

/**
 * The requests of a run of events, in order. Throws when the stored settings no longer encode
 * (a rule that tightened since they were saved): the caller treats that as an invalid stream.
 */
export async function buildRequests(destination: StreamDestination, events: readonly AuditEvent[]): Promise<DestinationRequest[]> {
  if (events.length === 0) return [];
  if (destination.type === 'datadog') {
    const { settings, secret, payload } = destination;
    return datadogRequests(
      events,
      { site: text(settings, 'site') || undefined, url: text(settings, 'url') || undefined, apiKey: secret },
      payload,
    );
  }
  const batches = splitBatches(events, (event) => ndjsonLineBytes(destination.payload(event)), STREAM_BATCH_LIMITS);
  const requests: DestinationRequest[] = [];
  for (const batch of batches) requests.push(await lineRequest(destination, batch));
  return requests;
}
