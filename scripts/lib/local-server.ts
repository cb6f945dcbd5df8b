/**
 * The plumbing the local stream receivers share (Splunk HEC, Datadog intake, the S3 gate): read a
 * body whole, listen on a random loopback port, stop without waiting for kept-alive sockets, and
 * answer JSON. Erasable TypeScript only (Node runs it with type stripping).
 */
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';

export interface LocalServer {
  /** e.g. http://127.0.0.1:43123 */
  baseUrl: string;
  stop(): Promise<void>;
}

export async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
}

/** Every answer closes its connection, as in scripts/lib/webhook-receiver.ts (no reuse races). */
export async function listenLocal(listener: RequestListener, port = 0): Promise<LocalServer & { server: Server }> {
  const server = createServer((request, response) => {
    response.setHeader('connection', 'close');
    listener(request, response);
  });
  await new Promise<void>((done) => server.listen(port, '127.0.0.1', done));
  const address = server.address();
  const bound = address && typeof address === 'object' ? address.port : 0;
  return {
    server,
    baseUrl: `http://127.0.0.1:${bound}`,
    stop: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

/** Single-valued request headers, lowercase names (what the receivers record and check). */
export const headerRecord = (request: IncomingMessage): Record<string, string> =>
  Object.fromEntries(
    Object.entries(request.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : String(value)]),
  );
