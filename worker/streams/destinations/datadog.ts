import type { AuditEvent } from '../../contract/audit-event.ts';
import { splitBatches } from './batch-splitter.ts';
import { type DestinationRequest, type EventPayload, gzip, nativePayload, STREAM_USER_AGENT, span, utf8 } from './request.ts';

/** `site` or `url` (an intake or proxy URL); `url` wins when both are given. */
export interface DatadogSettings {
  site?: string;
  url?: string;
  apiKey: string;
}

/** Datadog's sites (docs.datadoghq.com/getting_started/site): the API refuses any other `site`. */
const DATADOG_SITES = [
  'datadoghq.com',
  'us3.datadoghq.com',
  'us5.datadoghq.com',
  'datadoghq.eu',
  'ap1.datadoghq.com',
  'ap2.datadoghq.com',
  'ddog-gov.com',
] as const;

/** Datadog's documented intake limits (Logs API v2); MB read as 10^6 bytes, the stricter reading. */
export const DATADOG_LIMITS = { maxEntries: 1000, maxPayloadBytes: 5_000_000, maxEntryBytes: 1_000_000 } as const;

/** One log entry of the JSON array; `message` is the event's JSON, which Datadog parses into attributes. */
interface DatadogEntry {
  ddsource: 'audit-logs';
  service: 'audit-logs';
  /** Epoch ms of the event, Datadog's reserved date attribute: the log sits where it happened. */
  timestamp: number;
  message: string;
  /** Present only when `details` had to be cut to keep the entry within 1 MB. */
  truncated?: true;
}

export function datadogIntakeUrl(settings: Pick<DatadogSettings, 'site' | 'url'>): string {
  if (settings.url) return settings.url;
  const site = settings.site ?? '';
  if (!(DATADOG_SITES as readonly string[]).includes(site)) throw new Error(`not a Datadog site: ${site.slice(0, 64)}`);
  return `https://http-intake.logs.${site}/api/v2/logs`;
}

const entryBytes = (entry: DatadogEntry): number => utf8(JSON.stringify(entry)).length;

/**
 * The entry of one event. An event whose entry would pass Datadog's 1 MB per log (it cannot, with
 * §5's 32 KiB `details`, but the encoder never relies on that) keeps everything but `details`,
 * which is replaced by its first characters of `details.message` and `"truncated": true`; the
 * whole event stays in the service (API, archive).
 */
export function datadogEntry(event: AuditEvent, payload: EventPayload = nativePayload): DatadogEntry {
  const timestamp = Date.parse(event.timestamp);
  const entry: DatadogEntry = { ddsource: 'audit-logs', service: 'audit-logs', timestamp, message: JSON.stringify(payload(event)) };
  if (entryBytes(entry) <= DATADOG_LIMITS.maxEntryBytes) return entry;
  const details = {
    message: event.details.message.slice(0, 4096),
    patch: '',
    actionType: event.details.actionType.slice(0, 256),
    truncated: true,
  };
  const cut: DatadogEntry = { ...entry, message: JSON.stringify(payload({ ...event, details })), truncated: true };
  if (entryBytes(cut) <= DATADOG_LIMITS.maxEntryBytes) return cut;
  // Only oversized identifiers remain (§5 caps them at 256 characters): keep what locates the event.
  const { id, organizationId, sequence } = event;
  return { ...cut, message: JSON.stringify({ id, organizationId, sequence, timestamp: event.timestamp, truncated: true }) };
}

/**
 * A batch for a `datadog` stream (docs/STREAMS.md): split into requests of at most 1,000 entries and
 * 5 MB of uncompressed JSON array, each gzip-compressed with `DD-API-KEY`. Ascending order is kept
 * across and within the requests.
 */
export async function datadogRequests(
  events: readonly AuditEvent[],
  settings: DatadogSettings,
  payload: EventPayload = nativePayload,
): Promise<DestinationRequest[]> {
  const url = datadogIntakeUrl(settings);
  const entries = events.map((event) => ({ event, json: JSON.stringify(datadogEntry(event, payload)) }));
  const parts = splitBatches(entries, (entry) => utf8(entry.json).length, {
    maxItems: DATADOG_LIMITS.maxEntries,
    maxBytes: DATADOG_LIMITS.maxPayloadBytes,
    separatorBytes: 1,
    overheadBytes: 2,
  });
  return Promise.all(
    parts.map(async (part) => ({
      url,
      method: 'POST' as const,
      headers: {
        'content-type': 'application/json',
        'content-encoding': 'gzip',
        'dd-api-key': settings.apiKey,
        'user-agent': STREAM_USER_AGENT,
      },
      body: await gzip(utf8(`[${part.map((entry) => entry.json).join(',')}]`)),
      ...span(part.map((entry) => entry.event)),
    })),
  );
}
