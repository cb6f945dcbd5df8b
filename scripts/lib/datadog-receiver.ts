/**
 * A local Datadog Logs intake (`POST /api/v2/logs`) for tests: it checks the documented rules
 * (docs.datadoghq.com/api/latest/logs/#send-logs: `DD-API-KEY`; gzip with `Content-Encoding`;
 * `Content-Type: application/json`; at most 1,000 entries and 5 MB uncompressed per request, each
 * entry at most 1 MB) and our contract (docs/STREAMS.md: every entry has `ddsource` and `service`
 * "audit-logs" and a `message` holding the event's JSON), answering as Datadog does: 202 `{}`,
 * 403, 413, 400. Where Datadog would accept and truncate a log over 1 MB, this one refuses it
 * with 413: a stream must never send one. Accepted requests: `GET /_control/log`.
 *
 * Outage (scripts/lib/receiver-controls.ts): `PUT /_control/outage` with
 * `{ "status": 503, "organizationId"? }` makes it answer 503 (Datadog's "Service Unavailable"
 * error body) to every request (or those carrying that organization's events) that passes the
 * checks above; `{ "status": 0 }` ends it. `GET /_control/sequences?organizationId=` reads back
 * only the sequences each accepted request carried.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { headerRecord, type LocalServer, listenLocal, readBody, sendJson } from './local-server.ts';
import { countRefusal, type EventIdentity, type Outage, outageHits, parseOutage, summarize } from './receiver-controls.ts';

const DATADOG_INTAKE_LIMITS = { maxEntries: 1000, maxPayloadBytes: 5_000_000, maxEntryBytes: 1_000_000 };

interface DatadogAccepted {
  at: number;
  headers: Record<string, string>;
  compressedBytes: number;
  uncompressedBytes: number;
  entries: Array<Record<string, unknown> & { message: string }>;
}

export interface DatadogReceiver extends LocalServer {
  /** `<baseUrl>/api/v2/logs`: a stream's `url` setting. */
  intakeUrl: string;
  accepted: DatadogAccepted[];
}

type Refusal = [status: number, body: unknown];
const bad = (detail: string): Refusal => [400, { errors: [{ status: '400', title: 'Bad Request', detail }] }];
const tooLarge = (detail: string): Refusal => [413, { errors: [{ status: '413', title: 'Payload Too Large', detail }] }];

function entryRefusal(entry: unknown, index: number): Refusal | null {
  const size = Buffer.byteLength(JSON.stringify(entry));
  if (size > DATADOG_INTAKE_LIMITS.maxEntryBytes) return tooLarge(`entry ${index} is ${size} bytes, over 1 MB`);
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return bad(`entry ${index} is not an object`);
  const log = entry as Record<string, unknown>;
  if (log.ddsource !== 'audit-logs' || log.service !== 'audit-logs')
    return bad(`entry ${index}: ddsource and service must be "audit-logs"`);
  if (typeof log.message !== 'string') return bad(`entry ${index}: message must be a string`);
  try {
    const event = JSON.parse(log.message) as unknown;
    if (typeof event !== 'object' || event === null || Array.isArray(event)) return bad(`entry ${index}: message is not an event's JSON`);
  } catch {
    return bad(`entry ${index}: message is not JSON`);
  }
  return null;
}

function check(request: IncomingMessage, body: Buffer, apiKey: string): Refusal | DatadogAccepted {
  if (request.headers['dd-api-key'] !== apiKey) return [403, { errors: ['Forbidden'] }];
  if ((request.headers['content-type'] ?? '').split(';')[0]?.trim() !== 'application/json')
    return bad('Content-Type must be application/json');
  if (request.headers['content-encoding'] !== 'gzip') return bad('Content-Encoding must be gzip');
  let raw: Buffer;
  try {
    // maxOutputLength: a decompression bomb is refused rather than inflated.
    raw = gunzipSync(body, { maxOutputLength: DATADOG_INTAKE_LIMITS.maxPayloadBytes + 1 });
  } catch (error) {
    if (error instanceof RangeError || (error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE')
      return tooLarge('payload over 5 MB uncompressed');
    return bad('the body is not gzip');
  }
  if (raw.length > DATADOG_INTAKE_LIMITS.maxPayloadBytes) return tooLarge('payload over 5 MB uncompressed');
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(raw));
  } catch {
    return bad('the body is not UTF-8 JSON');
  }
  if (!Array.isArray(parsed)) return bad('the body must be a JSON array of logs');
  if (parsed.length > DATADOG_INTAKE_LIMITS.maxEntries) return tooLarge(`${parsed.length} entries, over 1000`);
  if (parsed.length === 0) return bad('no logs');
  for (const [index, entry] of parsed.entries()) {
    const refusal = entryRefusal(entry, index);
    if (refusal) return refusal;
  }
  return {
    at: Date.now(),
    headers: headerRecord(request),
    compressedBytes: body.length,
    uncompressedBytes: raw.length,
    entries: parsed as DatadogAccepted['entries'],
  };
}

export async function startDatadogReceiver(options: { apiKey: string; port?: number }): Promise<DatadogReceiver> {
  const accepted: DatadogAccepted[] = [];
  // The organization and sequence of each accepted request's events (entryRefusal checked they parse).
  const identities: EventIdentity[][] = [];
  let outage: Outage = { status: 0 };
  const refusals = new Map<string, number>();
  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://intake');
    const path = url.pathname;
    const body = await readBody(request);
    if (path === '/_control/log') return sendJson(response, 200, accepted);
    if (path === '/_control/outage' && request.method === 'PUT') {
      outage = parseOutage(body);
      return sendJson(response, 200, outage);
    }
    if (path === '/_control/sequences') {
      const organizationId = url.searchParams.get('organizationId') ?? '';
      const requests = accepted.map((item, index) => ({ at: item.at, events: identities[index] ?? [] }));
      return sendJson(response, 200, summarize(requests, organizationId, refusals.get(organizationId) ?? 0));
    }
    if (path !== '/api/v2/logs') return sendJson(response, 404, { errors: ['Not Found'] });
    if (request.method !== 'POST') return sendJson(response, 405, { errors: ['Method Not Allowed'] });
    const verdict = check(request, body, options.apiKey);
    if (Array.isArray(verdict)) return sendJson(response, verdict[0], verdict[1]);
    const events = verdict.entries.map((entry): EventIdentity => {
      const { organizationId, sequence } = JSON.parse(entry.message) as EventIdentity;
      return { organizationId, sequence };
    });
    const organizations = events.map((event) => event.organizationId);
    if (outageHits(outage, organizations)) {
      countRefusal(refusals, organizations);
      return sendJson(response, outage.status, {
        errors: [{ status: String(outage.status), title: 'Service Unavailable', detail: 'the intake is unavailable' }],
      });
    }
    accepted.push(verdict);
    identities.push(events);
    sendJson(response, 202, {});
  };
  const local = await listenLocal((request, response) => {
    handle(request, response).catch((error: unknown) => sendJson(response, 500, { errors: [String(error)] }));
  }, options.port);
  return { baseUrl: local.baseUrl, intakeUrl: `${local.baseUrl}/api/v2/logs`, accepted, stop: local.stop };
}
