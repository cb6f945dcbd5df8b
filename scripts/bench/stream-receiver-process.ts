/**
 * The receiver of stream-receiver.ts, in a process of its own (started with child_process.fork):
 * the bench's ingest clients keep their own process busy, and a receiver sharing that event loop
 * read batch bodies slowly (the sender's upload looked slow, one was cut by its 10 s timeout).
 * Here it has an event loop to itself. Each stream posts NDJSON to `/streams/<name>`; the process
 * verifies the signature, notes when each event id first arrived (its own clock) and counts
 * requests, refusals, events and duplicates, and reports every request to the parent over IPC
 * (`ReceiverReport`). The parent can take a stream down (every request answered 503).
 *
 *   node stream-receiver-process.ts <secret>      (as a forked child only: it needs the IPC channel)
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import { emptyStats, type StreamReceiverStats } from './stream-receiver-stats.ts';

/** Child → parent: listening, a stream's new state after a request (its ids that arrived first then), or a command done. */
export type ReceiverReport =
  | { type: 'ready'; port: number }
  | { type: 'request'; name: string; at: number; ids: string[]; stats: StreamReceiverStats }
  | { type: 'done'; ask: number };

/** Parent → child. */
export type ReceiverCommand = { type: 'down'; name: string; down: boolean; ask: number } | { type: 'stop'; ask: number };

interface Stream {
  down: boolean;
  seen: Set<string>;
  stats: StreamReceiverStats;
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((done, fail) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => done(Buffer.concat(chunks)));
    request.on('error', fail);
  });
}

function signatureValid(secret: string, body: Buffer, header: string | string[] | undefined): boolean {
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(body).digest('hex')}`);
  const given = Buffer.from(typeof header === 'string' ? header : '');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Counts the body's lines; returns the ids that arrived for the first time. */
function record(stream: Stream, body: Buffer): string[] {
  const fresh: string[] = [];
  for (const line of body.toString('utf8').split('\n')) {
    if (line === '') continue;
    let id: unknown;
    try {
      id = (JSON.parse(line) as { id?: unknown }).id;
    } catch {
      id = undefined;
    }
    if (typeof id !== 'string') {
      stream.stats.malformed += 1;
      continue;
    }
    stream.stats.events += 1;
    if (stream.seen.has(id)) stream.stats.duplicates += 1;
    else {
      stream.seen.add(id);
      fresh.push(id);
    }
  }
  return fresh;
}

const send = (report: ReceiverReport) => process.send?.(report);

function serve(secret: string): void {
  const streams = new Map<string, Stream>();
  const streamOf = (name: string): Stream => {
    let stream = streams.get(name);
    if (!stream) {
      stream = { down: false, seen: new Set(), stats: emptyStats() };
      streams.set(name, stream);
    }
    return stream;
  };
  const report = (name: string, at: number, ids: string[]) => send({ type: 'request', name, at, ids, stats: streamOf(name).stats });
  const server = createServer(async (request, response) => {
    const began = Date.now();
    const name = /^\/streams\/([\w.-]+)$/.exec(request.url ?? '')?.[1];
    let body: Buffer;
    try {
      body = await readBody(request);
    } catch {
      // The engine gave up on the request (its 10 s timeout) while sending: nothing arrived.
      if (name && streams.has(name)) {
        streamOf(name).stats.aborted += 1;
        streamOf(name).stats.abortedAfterMs.push(Date.now() - began);
        report(name, Date.now(), []);
      }
      return;
    }
    const at = Date.now();
    if (!name || request.method !== 'POST') {
      response.writeHead(404).end();
      return;
    }
    const stream = streamOf(name);
    stream.stats.requests += 1;
    stream.stats.uploadMs += at - began;
    stream.stats.maxUploadMs = Math.max(stream.stats.maxUploadMs, at - began);
    if (stream.down) {
      stream.stats.refused += 1;
      response.writeHead(503, { 'content-type': 'text/plain' }).end('down for the benchmark');
      report(name, at, []);
      return;
    }
    if (!signatureValid(secret, body, request.headers['x-audit-signature-256'])) stream.stats.badSignatures += 1;
    const fresh = record(stream, body);
    response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    report(name, at, fresh);
  });
  // Connections are kept alive (as a real receiver's are) for longer than any run, so the server
  // never closes a socket just as the engine reuses it (a failure no real receiver has to do with).
  server.keepAliveTimeout = 600_000;
  server.headersTimeout = 601_000;
  process.on('message', (command: ReceiverCommand) => {
    if (command.type === 'down') {
      streamOf(command.name).down = command.down;
      send({ type: 'done', ask: command.ask });
    } else {
      server.closeAllConnections();
      server.close(() => {
        send({ type: 'done', ask: command.ask });
        process.disconnect();
      });
    }
  });
  // The parent gone (killed, crashed): nothing left to report to.
  process.on('disconnect', () => process.exit(0));
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    send({ type: 'ready', port: address && typeof address === 'object' ? address.port : 0 });
  });
}

if (process.send) serve(process.argv[2] ?? '');
