/**
 * A local Splunk HTTP Event Collector (HEC) for tests: it checks what the real one checks on
 * `/services/collector/event` (docs.splunk.com "Format events for HTTP Event Collector" and "HTTP
 * Event Collector status codes") and what our contract promises (docs/STREAMS.md: every envelope has
 * `time` in epoch seconds with at most millisecond decimals, `source: "audit-logs"`,
 * `sourcetype: "audit-logs:event"` and an object `event`), and answers in HEC's words and codes.
 * Accepted envelopes are kept for the tests: `GET /_control/log` (workerd cannot call in here).
 *
 * Outage (scripts/lib/receiver-controls.ts): `PUT /_control/outage` with
 * `{ "status": 503, "organizationId"? }` makes it answer what a busy HEC answers, 503
 * `{"text":"Server is busy","code":9}`, to every request (or those carrying that organization's
 * events) that passes the checks above; `{ "status": 0 }` ends it.
 * `GET /_control/sequences?organizationId=` reads back only the sequences each accepted request
 * carried.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { headerRecord, type LocalServer, listenLocal, readBody, sendJson } from './local-server.ts';
import { countRefusal, type Outage, outageHits, parseOutage, summarize } from './receiver-controls.ts';

interface HecAccepted {
  at: number;
  headers: Record<string, string>;
  envelopes: Array<{ time: number; source: string; sourcetype: string; event: Record<string, unknown> }>;
}

export interface SplunkHecReceiver extends LocalServer {
  /** `<baseUrl>/services/collector/event` */
  eventUrl: string;
  accepted: HecAccepted[];
}

/**
 * HEC's batch form: JSON objects one after another, whitespace allowed between them. Splits at
 * the end of each top-level object (strings and escapes tracked), so `}{` inside a string is safe.
 */
function splitConcatenated(text: string): string[] | null {
  const objects: string[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index];
    if (inString) {
      if (char === '\\') index += 1;
      else if (char === '"') inString = false;
    } else if (char === '"') inString = true;
    else if (char === '{' || char === '[') {
      if (depth === 0) {
        if (char === '[') return null;
        start = index;
      }
      depth += 1;
    } else if (char === '}' || char === ']') {
      depth -= 1;
      if (depth < 0) return null;
      if (depth === 0) objects.push(text.slice(start, index + 1));
    } else if (depth === 0 && !/\s/.test(char ?? '')) return null;
  }
  return depth === 0 && !inString ? objects : null;
}

type Refusal = [status: number, body: Record<string, unknown>];

/** Our contract's rules for one envelope, beyond HEC's own (`event` present and not blank). */
function envelopeRefusal(value: unknown, number: number): Refusal | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return [400, { text: 'Invalid data format', code: 6, 'invalid-event-number': number }];
  const envelope = value as Record<string, unknown>;
  if (!('event' in envelope)) return [400, { text: 'Event field is required', code: 12, 'invalid-event-number': number }];
  if (envelope.event === '' || envelope.event === null)
    return [400, { text: 'Event field cannot be blank', code: 13, 'invalid-event-number': number }];
  const contract = (rule: string): Refusal => [400, { text: 'Invalid data format', code: 6, 'invalid-event-number': number, rule }];
  const time = envelope.time;
  if (typeof time !== 'number' || !Number.isFinite(time) || time < 0) return contract('time must be epoch seconds');
  if (Math.round(time * 1000) / 1000 !== time) return contract('time has more than millisecond precision');
  if (envelope.source !== 'audit-logs') return contract('source must be "audit-logs"');
  if (envelope.sourcetype !== 'audit-logs:event') return contract('sourcetype must be "audit-logs:event"');
  if (typeof envelope.event !== 'object' || Array.isArray(envelope.event)) return contract('event must be the audit event object');
  return null;
}

function check(request: IncomingMessage, body: Buffer, token: string): Refusal | HecAccepted {
  const auth = request.headers.authorization;
  if (auth === undefined) return [401, { text: 'Token is required', code: 2 }];
  const match = /^Splunk (\S+)$/.exec(auth);
  if (!match) return [401, { text: 'Invalid authorization', code: 3 }];
  if (match[1] !== token) return [403, { text: 'Invalid token', code: 4 }];
  const text = body.toString('utf8');
  if (text.trim() === '') return [400, { text: 'No data', code: 5 }];
  const pieces = splitConcatenated(text);
  if (!pieces) return [400, { text: 'Invalid data format', code: 6, 'invalid-event-number': 0 }];
  const envelopes: HecAccepted['envelopes'] = [];
  for (const [number, piece] of pieces.entries()) {
    let value: unknown;
    try {
      value = JSON.parse(piece);
    } catch {
      return [400, { text: 'Invalid data format', code: 6, 'invalid-event-number': number }];
    }
    const refusal = envelopeRefusal(value, number);
    if (refusal) return refusal;
    envelopes.push(value as HecAccepted['envelopes'][number]);
  }
  return { at: Date.now(), headers: headerRecord(request), envelopes };
}

export async function startSplunkHecReceiver(options: { token: string; port?: number }): Promise<SplunkHecReceiver> {
  const accepted: HecAccepted[] = [];
  let outage: Outage = { status: 0 };
  const refusals = new Map<string, number>();
  const eventsOf = (item: HecAccepted) => item.envelopes.map((envelope) => envelope.event);
  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://hec');
    const path = url.pathname;
    const body = await readBody(request);
    if (path === '/_control/log') return sendJson(response, 200, accepted);
    if (path === '/_control/outage' && request.method === 'PUT') {
      outage = parseOutage(body);
      return sendJson(response, 200, outage);
    }
    if (path === '/_control/sequences') {
      const organizationId = url.searchParams.get('organizationId') ?? '';
      const requests = accepted.map((item) => ({ at: item.at, events: eventsOf(item) }));
      return sendJson(response, 200, summarize(requests, organizationId, refusals.get(organizationId) ?? 0));
    }
    if (path !== '/services/collector/event')
      return sendJson(response, 404, { text: 'The requested URL was not found on this server.', code: 404 });
    if (request.method !== 'POST') return sendJson(response, 405, { text: 'Method Not Allowed', code: 405 });
    const verdict = check(request, body, options.token);
    if (Array.isArray(verdict)) return sendJson(response, verdict[0], verdict[1]);
    const organizations = eventsOf(verdict).map((event) => event.organizationId);
    if (outageHits(outage, organizations)) {
      countRefusal(refusals, organizations);
      return sendJson(response, outage.status, { text: 'Server is busy', code: 9 });
    }
    accepted.push(verdict);
    sendJson(response, 200, { text: 'Success', code: 0 });
  };
  const local = await listenLocal((request, response) => {
    handle(request, response).catch((error: unknown) => sendJson(response, 500, { text: String(error), code: 8 }));
  }, options.port);
  return { baseUrl: local.baseUrl, eventUrl: `${local.baseUrl}/services/collector/event`, accepted, stop: local.stop };
}
