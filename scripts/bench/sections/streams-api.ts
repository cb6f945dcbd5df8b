/**
 * What the streams section does through the API and reads back: ingest as the bench's clients do
 * (batches of 500, four at once), create and replace `https` streams, wait for events at a
 * receiver, and the engine's own account of its work (the delivery history and its run log).
 */
import type { LogStream, LogStreamDelivery } from '../../../worker/contract/log-streams.ts';
import { retryDelayMs } from '../../../worker/streams/delivery-policy.ts';
import type { BenchOrg } from '../dataset.ts';
import { type BenchRow, ingestShape } from '../rows.ts';
import type { BenchServer } from '../server.ts';

export const STREAM_SECRET = 'bench-stream-secret-0123456789';

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

export async function call(server: BenchServer, org: BenchOrg, method: string, path: string, body?: unknown): Promise<Response> {
  const response = await fetch(`${server.url}/api/v1${path}`, {
    method,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${org.ownerKey}` },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return response;
}

export interface IngestTiming {
  /** When the first request was sent, its answer (the first commit) came, and the last answer came (epoch ms). */
  started: number;
  firstCommit: number;
  lastCommit: number;
  /** Events per second, first request sent → last answer. */
  rate: number;
}

/** Ingests the rows in batches of 500 from four concurrent clients (as the webhooks section does). */
export async function ingestAll(server: BenchServer, org: BenchOrg, rows: BenchRow[]): Promise<IngestTiming> {
  const batches: BenchRow[][] = [];
  for (let start = 0; start < rows.length; start += 500) batches.push(rows.slice(start, start + 500));
  const started = Date.now();
  let firstCommit = 0;
  await Promise.all(
    [0, 1, 2, 3].map(async () => {
      for (let batch = batches.shift(); batch; batch = batches.shift()) {
        await (await call(server, org, 'POST', `/organizations/${org.id}/audit-logs`, { items: batch.map(ingestShape) })).text();
        if (firstCommit === 0) firstCommit = Date.now();
      }
    }),
  );
  const lastCommit = Date.now();
  return { started, firstCommit, lastCommit, rate: rows.length / ((lastCommit - started) / 1000) };
}

export const streamsPath = (org: BenchOrg) => `/organizations/${org.id}/audit-log-streams`;

/** The body of an active native `https` stream to `url` (for POST and PUT alike). */
export const httpsStreamBody = (name: string, url: string) => ({
  name,
  type: 'https',
  format: 'native',
  active: true,
  url,
  secret: STREAM_SECRET,
});

export async function createHttpsStream(server: BenchServer, org: BenchOrg, name: string, url: string): Promise<LogStream> {
  const response = await call(server, org, 'POST', streamsPath(org), httpsStreamBody(name, url));
  return ((await response.json()) as { stream: LogStream }).stream;
}

/** Waits until every id has arrived (`arrivals` is read again at each look); returns the latest arrival among them (epoch ms). */
export async function untilArrived(arrivals: () => Map<string, number>, ids: string[], timeoutMs: number, what: string): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let next = 0;
  for (;;) {
    const seen = arrivals();
    while (next < ids.length && seen.has(ids[next] as string)) next += 1;
    if (next === ids.length) return ids.reduce((latest, id) => Math.max(latest, seen.get(id) as number), 0);
    if (Date.now() > deadline) throw new Error(`${what}: only ${ids.filter((id) => seen.has(id)).length} of ${ids.length} events arrived`);
    await sleep(20);
  }
}

/** The earliest arrival among the ids (epoch ms; Infinity when none arrived). */
export const firstArrival = (arrivals: Map<string, number>, ids: string[]) =>
  ids.reduce((earliest, id) => Math.min(earliest, arrivals.get(id) ?? Number.POSITIVE_INFINITY), Number.POSITIVE_INFINITY);

/** The stream's whole delivery history (the engine's batch rows), oldest first. */
export async function deliveryHistory(server: BenchServer, org: BenchOrg, streamId: string): Promise<LogStreamDelivery[]> {
  const rows: LogStreamDelivery[] = [];
  for (let offset = 0; ; offset += 100) {
    const response = await call(server, org, 'GET', `${streamsPath(org)}/${streamId}/deliveries?limit=100&offset=${offset}`);
    const page = (await response.json()) as { deliveries: LogStreamDelivery[]; totalCount: number };
    rows.push(...page.deliveries);
    if (page.deliveries.length < 100 || rows.length >= page.totalCount) break;
  }
  return rows.filter((row) => row.kind === 'batch').reverse();
}

/**
 * Where a delivery's wall time went, from the history rows between `from` and `to` (epoch ms):
 * inside requests to the receiver (send → answer), and in the engine between them (reading the
 * page from D1, encoding, signing, recording the row, moving the checkpoint, waiting to be run).
 */
export function timeSplit(rows: LogStreamDelivery[], from: number, to: number) {
  const inWindow = rows.filter((row) => Date.parse(row.startTime) >= from - 1000 && Date.parse(row.startTime) <= to);
  const ok = inWindow.filter((row) => row.ok);
  const requestMs = inWindow.reduce((sum, row) => sum + row.ms, 0);
  const events = ok.reduce((sum, row) => sum + row.eventCount, 0);
  return {
    requests: inWindow.length,
    failed: inWindow.length - ok.length,
    meanEvents: ok.length > 0 ? events / ok.length : 0,
    meanBytes: ok.length > 0 ? ok.reduce((sum, row) => sum + row.bytes, 0) / ok.length : 0,
    requestMs,
    meanRequestMs: inWindow.length > 0 ? requestMs / inWindow.length : 0,
    wallMs: to - from,
  };
}

/**
 * How a failing streak was retried, from the history rows (oldest first): each retry's wait (end
 * of the failed request → start of the next) beside what the engine's policy allows at that point
 * (streams/delivery-policy.ts#retryDelayMs, no Retry-After). `early` counts retries sent sooner
 * than the policy's delay (50 ms of slack for the engine's own bookkeeping).
 */
export function retryWaits(rows: LogStreamDelivery[]): { retries: number; early: number; timeouts: number; shortestMs: number } {
  const result = { retries: 0, early: 0, timeouts: 0, shortestMs: Number.POSITIVE_INFINITY };
  let failingSince: number | null = null;
  let previous: LogStreamDelivery | null = null;
  for (const row of rows) {
    if (previous && !previous.ok && failingSince !== null) {
      const ended = Date.parse(previous.endTime);
      const wait = Date.parse(row.startTime) - ended;
      result.retries += 1;
      result.shortestMs = Math.min(result.shortestMs, wait);
      if (wait + 50 < retryDelayMs(failingSince, ended, null)) result.early += 1;
    }
    if (!row.ok && row.error.startsWith('timed out')) result.timeouts += 1;
    failingSince = row.ok ? null : (failingSince ?? Date.parse(row.startTime));
    previous = row;
  }
  return result;
}

export interface RunLine {
  streamId: string;
  delivered: number;
  requests: number;
  state: string;
  nextAt: number | null;
  ms: number;
}

/** The runner's log lines (jobs/log-stream-runner.ts) of one stream, from the server's output. */
export function runLines(logs: string[], streamId: string): RunLine[] {
  return logs.flatMap((line) => {
    const json = /\{"job":"log-stream".*\}/.exec(line)?.[0];
    if (!json) return [];
    try {
      const entry = JSON.parse(json) as RunLine;
      return entry.streamId === streamId ? [entry] : [];
    } catch {
      return [];
    }
  });
}
