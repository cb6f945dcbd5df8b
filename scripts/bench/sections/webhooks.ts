/**
 * Webhooks section (`npm run bench -- --only webhooks`): delivery throughput of a large ingest to
 * a fast local receiver, the ingest rate with and without an active webhook, and the latency from
 * a committed event to the receiver, all from one server of its own in one run.
 */
import { randomBytes } from 'node:crypto';
import { startWebhookReceiver, type WebhookReceiver } from '../../lib/webhook-receiver.ts';
import { type BenchRun, DAY, freshDir, log } from '../bench-run.ts';
import { type BenchOrg, DatasetWriter } from '../dataset.ts';
import { type Figure, figure, percentile, round } from '../measure.ts';
import { benchRows, ingestShape } from '../rows.ts';
import { applyMigrations, type BenchServer, startServer } from '../server.ts';

const SECRET = 'bench-webhook-secret-0123456789';
const PORT = 8799;

export async function webhooksSection(run: BenchRun): Promise<void> {
  try {
    const result = await webhookFigures(run, freshDir('webhooks'));
    for (const entry of result.figures) run.add(entry);
    run.notes.push(...result.notes);
  } catch (error) {
    run.failed('Webhooks', error);
  }
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

async function post(server: BenchServer, org: BenchOrg, path: string, body: unknown): Promise<Response> {
  const response = await fetch(`${server.url}/api/v1${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${org.ownerKey}` },
    body: JSON.stringify(body),
  });
  if (response.status >= 300) throw new Error(`POST ${path}: ${response.status} ${await response.text()}`);
  return response;
}

/** Ingests the rows in batches of 500 from four concurrent clients; returns events per second. */
async function ingestRate(server: BenchServer, org: BenchOrg, count: number, seed: number, now: number): Promise<number> {
  const rows = [...benchRows(org.id, org.instanceIds, count, now - 20 * DAY, now - DAY, seed)].map(ingestShape);
  const batches: (typeof rows)[] = [];
  for (let start = 0; start < rows.length; start += 500) batches.push(rows.slice(start, start + 500));
  const started = performance.now();
  await Promise.all(
    [0, 1, 2, 3].map(async () => {
      for (let items = batches.shift(); items; items = batches.shift())
        await (await post(server, org, `/organizations/${org.id}/audit-logs`, { items })).text();
    }),
  );
  return count / ((performance.now() - started) / 1000);
}

async function untilReceived(receiver: WebhookReceiver, hook: string, count: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const log = receiver.received(hook);
    if (new Set(log.map((entry) => entry.eventId)).size >= count) return Math.max(...log.map((entry) => entry.at));
    if (Date.now() > deadline)
      throw new Error(`only ${new Set(log.map((entry) => entry.eventId)).size} of ${count} events reached ${hook}`);
    await sleep(20);
  }
}

async function createWebhook(server: BenchServer, org: BenchOrg, receiver: WebhookReceiver, hook: string): Promise<void> {
  receiver.setHook(hook, { secret: SECRET, behaviour: { kind: 'ok' } });
  await (
    await post(server, org, `/orgs/${org.id}/notification-configs`, { name: hook, webhook: { url: receiver.urlOf(hook), secret: SECRET } })
  ).text();
  // Its own creation event arrives first: the pipeline is warm before anything is timed.
  await untilReceived(receiver, hook, 1, 60_000);
}

async function webhookFigures(run: BenchRun, dir: string): Promise<{ figures: Figure[]; notes: string[] }> {
  const { now } = run;
  const { events, latencySamples } = run.options.webhookSizes;
  applyMigrations(dir);
  const writer = new DatasetWriter(dir);
  // Spread over the shards: deliveries are written to each organization's own shard.
  const [plain, hooked, timed] = ['wh-plain', 'wh-hooked', 'wh-latency'].map((label, index) =>
    writer.organization(label, now, writer.shards[index % writer.shards.length]),
  ) as [BenchOrg, BenchOrg, BenchOrg];
  writer.close();
  const receiver = await startWebhookReceiver();
  const server = await startServer(dir, PORT, 'wrangler.toml', {
    vars: { WEBHOOK_SECRET_KEY: randomBytes(32).toString('base64'), ALLOW_INSECURE_WEBHOOKS: 'true' },
  });
  try {
    await createWebhook(server, hooked, receiver, 'bench-hooked');
    await createWebhook(server, timed, receiver, 'bench-latency');
    const throughput = await measureThroughput(server, receiver, { plain, hooked }, events, now);
    const latency = await measureLatency(server, receiver, timed, latencySamples, now);
    return {
      figures: webhookFigureList(throughput, latency, events, latencySamples),
      notes: [
        `Webhooks: ${events.toLocaleString('en')} events ingested at ${Math.round(throughput.withWebhook)} events/s reached the local receiver at ${Math.round(throughput.deliveryRate)} events/s (ingest without webhooks in the same run: ${Math.round(throughput.withoutWebhook)} events/s); latency from commit to receiver p50 ${round(latency.p50)} ms, p95 ${round(latency.p95)} ms.`,
      ],
    };
  } finally {
    await server.stop();
    await receiver.stop();
  }
}

interface Throughput {
  withoutWebhook: number;
  withWebhook: number;
  deliveryRate: number;
  /** Milliseconds from the last commit to the last delivery. */
  tail: number;
  invalid: number;
  duplicates: number;
}

/** The ingest rate without and with an active webhook, and how fast the hooked ingest is delivered. */
async function measureThroughput(
  server: BenchServer,
  receiver: WebhookReceiver,
  orgs: { plain: BenchOrg; hooked: BenchOrg },
  events: number,
  now: number,
): Promise<Throughput> {
  const withoutWebhook = await ingestRate(server, orgs.plain, events, 501, now);
  log(`webhooks: ingest without a webhook ${Math.round(withoutWebhook)} events/s`);
  const started = Date.now();
  const withWebhook = await ingestRate(server, orgs.hooked, events, 502, now);
  const ingested = Date.now();
  const lastArrival = await untilReceived(receiver, 'bench-hooked', events + 1, 20 * 60_000);
  const deliveryRate = events / ((lastArrival - started) / 1000);
  log(
    `webhooks: ingest with a webhook ${Math.round(withWebhook)} events/s, all ${events} delivered ${round((lastArrival - ingested) / 1000)} s after the last commit`,
  );
  const invalid = receiver.received('bench-hooked').filter((entry) => !entry.signatureValid).length;
  const duplicates = receiver.received('bench-hooked').length - (events + 1);
  return { withoutWebhook, withWebhook, deliveryRate, tail: lastArrival - ingested, invalid, duplicates };
}

/** Latency: one event at a time, each delivered before the next is sent (no backlog). */
async function measureLatency(
  server: BenchServer,
  receiver: WebhookReceiver,
  timed: BenchOrg,
  samples: number,
  now: number,
): Promise<{ p50: number; p95: number; requestP50: number }> {
  const latencies: number[] = [];
  const requests: number[] = [];
  const rows = [...benchRows(timed.id, timed.instanceIds, samples, now - 2 * DAY, now - DAY, 503)].map(ingestShape);
  for (const row of rows) {
    const sent = Date.now();
    await (await post(server, timed, `/organizations/${timed.id}/audit-logs`, row)).text();
    const committed = Date.now();
    requests.push(committed - sent);
    const arrived = await untilReceived(receiver, 'bench-latency', receiver.received('bench-latency').length + 1, 60_000);
    latencies.push(arrived - committed);
  }
  return { p50: percentile(latencies, 50), p95: percentile(latencies, 95), requestP50: percentile(requests, 50) };
}

function webhookFigureList(
  throughput: Throughput,
  latency: { p50: number; p95: number; requestP50: number },
  events: number,
  latencySamples: number,
): Figure[] {
  const { withoutWebhook, withWebhook, deliveryRate } = throughput;
  return [
    figure({
      section: 'Webhooks',
      name: `delivery throughput, ${events.toLocaleString('en')}-event ingest → fast local receiver (commit of the first batch → last delivery)`,
      value: deliveryRate,
      unit: 'events/s',
      baselineName: 'API ingest rate, no webhook',
      baseline: withoutWebhook,
      goal: '',
      pass: null,
      note: `${throughput.invalid} invalid signatures, ${throughput.duplicates} duplicates; last delivery ${round(throughput.tail / 1000)} s after the last commit`,
    }),
    figure({
      section: 'Webhooks',
      name: 'API ingest events/s with an active webhook (batches of 500, 4 clients)',
      value: withWebhook,
      unit: 'events/s',
      baselineName: 'same, no webhook',
      baseline: withoutWebhook,
      goal: '≥ 0.8×',
      pass: withWebhook >= 0.8 * withoutWebhook,
    }),
    figure({
      section: 'Webhooks',
      name: `delivery latency p50, commit → receiver (${latencySamples} single events, one at a time)`,
      value: latency.p50,
      unit: 'ms',
      baselineName: 'single-event ingest request p50',
      baseline: Math.max(1, latency.requestP50),
      goal: '',
      pass: null,
      note: `p95 ${round(latency.p95)} ms; two queue hops with max_batch_timeout = 1 s each`,
    }),
    figure({
      section: 'Webhooks',
      name: 'delivery latency p95, commit → receiver',
      value: latency.p95,
      unit: 'ms',
      baselineName: 'single-event ingest request p50',
      baseline: Math.max(1, latency.requestP50),
      goal: '',
      pass: null,
    }),
  ];
}
