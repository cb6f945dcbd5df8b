/**
 * A local S3-compatible store for tests: s3rver (file-backed, real S3 REST and XML answers) behind
 * a gate that does what s3rver 3.x does not (docs/research/sign-in-and-streams-spike.md §3): verify
 * Signature V4, the `x-amz-content-sha256` payload hash and `Content-MD5` (scripts/lib/
 * s3-signature.ts), and, as an Object Lock bucket does, refuse a PUT without `Content-MD5`.
 * Requests that pass go to s3rver byte for byte, without their Authorization. The gate's verdicts
 * are at `GET /_control/log` (no bucket name starts with `_`). An outage can be staged: `PUT
 * /_control/outage?path=/<bucket>/<key prefix>` makes every request under that path answer 503
 * SlowDown (as S3 does when it sheds load) until `DELETE` with the same query.
 * `GET /_control/sequences?organizationId=` reads back, per stored stream object in arrival order,
 * its key and the sequences inside (the gate unzips the NDJSON it forwarded), and how many of the
 * organization's objects the outage refused (scripts/lib/receiver-controls.ts), without fetching
 * 100 objects from s3rver. Erasable TypeScript only.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import S3rver from 's3rver';
import { type LocalServer, listenLocal, readBody, sendJson } from './local-server.ts';
import { acceptedBatch, countRefusal, type EventIdentity } from './receiver-controls.ts';
import { type S3Refusal, verifySignatureV4 } from './s3-signature.ts';

export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

interface GateLogEntry {
  method: string;
  path: string;
  status: number;
  code: string;
  bytes: number;
}

export interface LocalS3 extends LocalServer {
  region: string;
  log: GateLogEntry[];
}

/** The organization and sequence of each event of a stream object (gzip NDJSON); none for anything else. */
function objectEvents(request: IncomingMessage, body: Buffer): EventIdentity[] {
  if (request.method !== 'PUT' || request.headers['content-type'] !== 'application/gzip') return [];
  try {
    return gunzipSync(body)
      .toString('utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => {
        const { organizationId, sequence } = JSON.parse(line) as EventIdentity;
        return { organizationId, sequence };
      });
  } catch {
    return [];
  }
}

interface StoredObject {
  at: number;
  key: string;
  events: EventIdentity[];
}

/** `GET /_control/sequences`: the organization's stored objects in arrival order, with their keys. */
function sequencesOf(stored: StoredObject[], refusals: Map<string, number>, organizationId: string) {
  const accepted = stored.flatMap((object) => {
    const batch = acceptedBatch(object.at, object.events, organizationId);
    return batch ? [{ ...batch, key: object.key }] : [];
  });
  return { accepted, refused: refusals.get(organizationId) ?? 0 };
}

function s3Error(response: ServerResponse, [status, code, message]: S3Refusal): void {
  response.writeHead(status, { 'content-type': 'application/xml' });
  response.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`);
}

/** Forwards with node:http, not fetch: fetch would decode gzip objects on the way back. */
function forward(innerPort: number, request: IncomingMessage, body: Buffer): Promise<IncomingMessage> {
  const headers = { ...request.headers, host: `127.0.0.1:${innerPort}` };
  delete headers.authorization;
  return new Promise((done, fail) => {
    const out = httpRequest(`http://127.0.0.1:${innerPort}${request.url ?? '/'}`, { method: request.method, headers }, done);
    out.on('error', fail);
    out.end(body);
  });
}

export async function startLocalS3(options: { credentials: S3Credentials[]; buckets: string[]; region?: string }): Promise<LocalS3> {
  const region = options.region ?? 'us-east-1';
  const keys = new Map(options.credentials.map((key) => [key.accessKeyId, key.secretAccessKey]));
  const directory = await mkdtemp(join(tmpdir(), 's3rver-'));
  const s3rver = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: options.buckets.map((name) => ({ name, configs: [] })),
  });
  const inner = await s3rver.run();
  const log: GateLogEntry[] = [];
  const outages = new Set<string>();
  const stored: StoredObject[] = [];
  const refusals = new Map<string, number>();

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', `http://${request.headers.host ?? '127.0.0.1'}`);
    const body = await readBody(request);
    if (url.pathname === '/_control/log') return sendJson(response, 200, log);
    if (url.pathname === '/_control/outage') {
      const path = url.searchParams.get('path') ?? '';
      if (request.method === 'DELETE') outages.delete(path);
      else outages.add(path);
      return sendJson(response, 200, [...outages]);
    }
    if (url.pathname === '/_control/sequences')
      return sendJson(response, 200, sequencesOf(stored, refusals, url.searchParams.get('organizationId') ?? ''));
    const entry: GateLogEntry = { method: request.method ?? '', path: url.pathname, status: 0, code: '', bytes: body.length };
    log.push(entry);
    const down = [...outages].some((path) => url.pathname.startsWith(path));
    let refusal: S3Refusal | null = down
      ? [503, 'SlowDown', 'Please reduce your request rate.']
      : await verifySignatureV4(request, body, url, region, keys);
    if (!refusal && request.method === 'PUT' && request.headers['content-md5'] === undefined) {
      refusal = [
        400,
        'InvalidRequest',
        'Content-MD5 OR x-amz-checksum- HTTP header is required for Put Object requests with Object Lock parameters',
      ];
    }
    const events = objectEvents(request, body);
    if (down)
      countRefusal(
        refusals,
        events.map((event) => event.organizationId),
      );
    if (refusal) {
      [entry.status, entry.code] = [refusal[0], refusal[1]];
      return s3Error(response, refusal);
    }
    const answer = await forward(inner.port, request, body);
    entry.status = answer.statusCode ?? 0;
    // The object key: the path after the bucket, each segment decoded.
    if (entry.status === 200 && events.length > 0) {
      const key = url.pathname.split('/').slice(2).map(decodeURIComponent).join('/');
      stored.push({ at: Date.now(), key, events });
    }
    response.writeHead(entry.status, answer.headers);
    answer.pipe(response);
  };
  const local = await listenLocal((request, response) => {
    handle(request, response).catch((error: unknown) => s3Error(response, [500, 'InternalError', String(error)]));
  });
  return {
    baseUrl: local.baseUrl,
    region,
    log,
    async stop() {
      await local.stop();
      await s3rver.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
