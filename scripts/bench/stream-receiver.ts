/**
 * A minimal counting receiver of `https` log-stream batches (docs/STREAMS.md, "https") for the
 * streams section: each stream posts NDJSON to `/streams/<name>`; the receiver verifies the
 * signature, notes when each event id first arrived and counts requests, refusals, events and
 * duplicates. A stream can be taken down (every request answered 503) to simulate an outage.
 * Keeps no bodies, so 100,000-event runs cost it only the id map.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';

interface StreamReceiverStats {
  requests: number;
  /** Requests answered 503 while the stream was down. */
  refused: number;
  /** Event lines accepted (duplicates included). */
  events: number;
  /** Event lines whose id had already arrived. */
  duplicates: number;
  badSignatures: number;
  /** Lines that were not JSON objects with a string id. */
  malformed: number;
  /** Milliseconds from a request's headers to its last body byte, summed and at most (the sender's upload). */
  uploadMs: number;
  maxUploadMs: number;
  /** Requests whose headers arrived but whose body never completed (the sender gave up), and how long after their headers. */
  aborted: number;
  abortedAfterMs: number[];
}

export interface StreamReceiver {
  urlOf(name: string): string;
  /** While down, every request of the stream is answered 503 and nothing is recorded but the refusal. */
  setDown(name: string, down: boolean): void;
  /** When each event id first arrived (epoch ms, taken when the request's body was complete). */
  arrivals(name: string): Map<string, number>;
  stats(name: string): StreamReceiverStats;
  stop(): Promise<void>;
}

interface Stream {
  down: boolean;
  arrivals: Map<string, number>;
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

function record(stream: Stream, body: Buffer, at: number): void {
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
    if (stream.arrivals.has(id)) stream.stats.duplicates += 1;
    else stream.arrivals.set(id, at);
  }
}

/** Starts the receiver on a free loopback port; `secret` is the one every stream signs with. */
export async function startStreamReceiver(secret: string): Promise<StreamReceiver> {
  const streams = new Map<string, Stream>();
  const streamOf = (name: string): Stream => {
    let stream = streams.get(name);
    if (!stream) {
      const stats = {
        requests: 0,
        refused: 0,
        events: 0,
        duplicates: 0,
        badSignatures: 0,
        malformed: 0,
        uploadMs: 0,
        maxUploadMs: 0,
        aborted: 0,
        abortedAfterMs: [],
      };
      stream = { down: false, arrivals: new Map(), stats };
      streams.set(name, stream);
    }
    return stream;
  };
  const server = createServer(async (request, response) => {
    const began = Date.now();
    let body: Buffer;
    try {
      body = await readBody(request);
    } catch {
      // The engine gave up on the request (its 10 s timeout) while sending: nothing arrived.
      const stream = streams.get(/^\/streams\/([\w.-]+)$/.exec(request.url ?? '')?.[1] ?? '');
      if (stream) {
        stream.stats.aborted += 1;
        stream.stats.abortedAfterMs.push(Date.now() - began);
      }
      return;
    }
    const at = Date.now();
    const name = /^\/streams\/([\w.-]+)$/.exec(request.url ?? '')?.[1];
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
      return;
    }
    if (!signatureValid(secret, body, request.headers['x-audit-signature-256'])) stream.stats.badSignatures += 1;
    record(stream, body, at);
    response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  });
  // Connections are kept alive (as a real receiver's are) for longer than any run, so the server
  // never closes a socket just as the engine reuses it (a failure no real receiver has to do with).
  server.keepAliveTimeout = 600_000;
  server.headersTimeout = 601_000;
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  const port = address && typeof address === 'object' ? address.port : 0;
  return {
    urlOf: (name) => `http://127.0.0.1:${port}/streams/${name}`,
    setDown: (name, down) => {
      streamOf(name).down = down;
    },
    arrivals: (name) => streamOf(name).arrivals,
    stats: (name) => ({ ...streamOf(name).stats, abortedAfterMs: [...streamOf(name).stats.abortedAfterMs] }),
    stop: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
