/**
 * A real local webhook receiver (Node's http server), for tests and the benchmark. Each hook is a
 * path `/hooks/<name>` with its own secret and behaviour; every request is logged with whether
 * its X-Audit-Signature-256 verifies (node:crypto HMAC-SHA256 over the exact body bytes).
 *
 * The Worker tests run inside workerd and cannot call into this process, so the same hooks can be
 * set up and read over HTTP: `PUT /_control/<name>` with a HookSetup, `GET /_control/<name>` for
 * its log. An outage is a behaviour: `{ kind: 'status', status: 503 }`, then `{ kind: 'ok' }`.
 * `GET /_control/<name>/sequences?organizationId=` reads back only the sequences of the log-stream
 * batches (NDJSON) the hook accepted with a valid signature, in arrival order, and how many it
 * refused (scripts/lib/receiver-controls.ts), instead of every body. Erasable TypeScript only
 * (Node runs it with type stripping).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { acceptedBatch, type EventIdentity, type SequenceSummary } from './receiver-controls.ts';

type HookBehaviour =
  | { kind: 'ok' }
  /** 503 to the first `times` requests of each event id, then 200. */
  | { kind: 'fail-first'; times: number }
  /** Never answers (until the caller gives up, or `maxMs` passes). */
  | { kind: 'hang'; maxMs?: number }
  | { kind: 'status'; status: number; retryAfter?: string; location?: string }
  /** 200 with a body of `bytes` bytes and many headers. */
  | { kind: 'large'; bytes: number }
  /** Answers after `ms`, with `status` (default 200). */
  | { kind: 'slow'; ms: number; status?: number };

export interface HookSetup {
  secret: string;
  behaviour: HookBehaviour;
}

export interface ReceivedRequest {
  at: number;
  method: string;
  headers: Record<string, string>;
  body: string;
  deliveryId: string;
  eventType: string;
  eventId: string;
  signatureValid: boolean;
  answered: number;
}

interface Hook extends HookSetup {
  log: ReceivedRequest[];
  seen: Map<string, number>;
}

export interface WebhookReceiver {
  /** e.g. http://127.0.0.1:43123 */
  baseUrl: string;
  urlOf(name: string): string;
  setHook(name: string, setup: HookSetup): void;
  received(name: string): ReceivedRequest[];
  stop(): Promise<void>;
}

/** The check a receiver makes: constant-time comparison of the HMAC of the raw body. */
function verifySignature(secret: string, body: Buffer, header: string | undefined): boolean {
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(body).digest('hex')}`);
  const given = Buffer.from(header ?? '');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((done, fail) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => done(Buffer.concat(chunks)));
    request.on('error', fail);
  });
}

function eventIdOf(body: Buffer): string {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { eventId?: unknown };
    return typeof parsed.eventId === 'string' ? parsed.eventId : '';
  } catch {
    return '';
  }
}

/** The events of a log-stream batch (one JSON object a line); none for anything else. */
function batchEvents(entry: ReceivedRequest): EventIdentity[] {
  if (entry.eventType !== 'AUDIT_LOG_STREAM_BATCH') return [];
  return entry.body
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const { organizationId, sequence } = JSON.parse(line) as EventIdentity;
      return { organizationId, sequence };
    });
}

function sequenceSummary(log: ReceivedRequest[], organizationId: string): SequenceSummary {
  const summary: SequenceSummary = { accepted: [], refused: 0 };
  for (const entry of log) {
    const batch = acceptedBatch(entry.at, batchEvents(entry), organizationId);
    if (!batch) continue;
    if (entry.answered >= 200 && entry.answered < 300 && entry.signatureValid) summary.accepted.push(batch);
    else summary.refused += 1;
  }
  return summary;
}

/** Answers `GET /_control/<name>/sequences?organizationId=`; false when the path is another. */
function answerSequences(url: URL, hookOf: (name: string) => Hook, response: ServerResponse): boolean {
  const name = /^\/_control\/([\w.-]+)\/sequences$/.exec(url.pathname)?.[1];
  if (!name) return false;
  const summary = sequenceSummary(hookOf(name).log, url.searchParams.get('organizationId') ?? '');
  response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(summary));
  return true;
}

function answer(hook: Hook, eventId: string, response: ServerResponse): number {
  const behaviour = hook.behaviour;
  if (behaviour.kind === 'fail-first') {
    const seen = (hook.seen.get(eventId) ?? 0) + 1;
    hook.seen.set(eventId, seen);
    const status = seen <= behaviour.times ? 503 : 200;
    response.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'try again');
    return status;
  }
  if (behaviour.kind === 'status') {
    const headers: Record<string, string> = { 'content-type': 'text/plain' };
    if (behaviour.retryAfter !== undefined) headers['retry-after'] = behaviour.retryAfter;
    if (behaviour.location !== undefined) headers.location = behaviour.location;
    response.writeHead(behaviour.status, headers).end(`status ${behaviour.status}`);
    return behaviour.status;
  }
  if (behaviour.kind === 'slow' && behaviour.status !== undefined) {
    response.writeHead(behaviour.status, { 'content-type': 'text/plain' }).end(`status ${behaviour.status}`);
    return behaviour.status;
  }
  if (behaviour.kind === 'large') {
    const headers: Record<string, string> = { 'content-type': 'text/plain' };
    for (let index = 0; index < 80; index += 1) headers[`x-extra-${index}`] = 'v'.repeat(2000);
    response.writeHead(200, headers).end('x'.repeat(behaviour.bytes));
    return 200;
  }
  response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  return 200;
}

export async function startWebhookReceiver(options: { port?: number } = {}): Promise<WebhookReceiver> {
  const hooks = new Map<string, Hook>();
  const hookOf = (name: string): Hook => {
    let hook = hooks.get(name);
    if (!hook) {
      hook = { secret: '', behaviour: { kind: 'ok' }, log: [], seen: new Map() };
      hooks.set(name, hook);
    }
    return hook;
  };
  const setHook = (name: string, setup: HookSetup) => Object.assign(hookOf(name), setup);

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://receiver');
    const path = url.pathname;
    const body = await readBody(request);
    if (answerSequences(url, hookOf, response)) return;
    const control = /^\/_control\/([\w.-]+)$/.exec(path);
    if (control?.[1]) {
      if (request.method === 'PUT') setHook(control[1], JSON.parse(body.toString('utf8')) as HookSetup);
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(hookOf(control[1]).log));
      return;
    }
    const name = /^\/hooks\/([\w.-]+)$/.exec(path)?.[1];
    if (!name) {
      response.writeHead(404).end();
      return;
    }
    const hook = hookOf(name);
    const headers = Object.fromEntries(Object.entries(request.headers).map(([key, value]) => [key, String(value)]));
    const eventId = eventIdOf(body);
    const entry: ReceivedRequest = {
      at: Date.now(),
      method: request.method ?? '',
      headers,
      body: body.toString('utf8'),
      deliveryId: headers['x-audit-delivery'] ?? '',
      eventType: headers['x-audit-event'] ?? '',
      eventId,
      signatureValid: verifySignature(hook.secret, body, headers['x-audit-signature-256']),
      answered: 0,
    };
    hook.log.push(entry);
    const behaviour = hook.behaviour;
    if (behaviour.kind === 'hang' || behaviour.kind === 'slow') {
      const wait = behaviour.kind === 'slow' ? behaviour.ms : (behaviour.maxMs ?? 60_000);
      const timer = setTimeout(() => {
        if (!response.writableEnded) entry.answered = answer(hook, eventId, response);
      }, wait);
      response.on('close', () => clearTimeout(timer));
      return;
    }
    entry.answered = answer(hook, eventId, response);
  };
  // A sender that gives up mid-request (a stream's 10 s timeout on a busy machine) aborts the body
  // read: that request is simply lost, as at a real receiver, never an unhandled rejection.
  const server = createServer((request, response) => {
    handle(request, response).catch(() => response.destroy());
  });
  // Every answer closes its connection: a kept-alive socket the server closes just as the client
  // reuses it would fail a delivery for reasons no real receiver has to do with.
  server.on('request', (_request, response) => response.setHeader('connection', 'close'));
  await new Promise<void>((done) => server.listen(options.port ?? 0, '127.0.0.1', done));
  const address = server.address();
  const port = address && typeof address === 'object' ? address.port : 0;
  const baseUrl = `http://127.0.0.1:${port}`;
  return {
    baseUrl,
    urlOf: (name) => `${baseUrl}/hooks/${name}`,
    setHook,
    received: (name) => hookOf(name).log,
    stop: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
