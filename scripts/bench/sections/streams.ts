/**
 * Log streams section (`npm run bench -- --only streams`): the delivery engine (one Durable Object
 * per stream, services/log-streams/deliver.ts) sending `https` batches to a real local receiver
 * (stream-receiver.ts), from one server of its own in one run:
 *
 * 1. delivery throughput beside the ingest that feeds it (and that ingest beside one with no stream);
 * 2. catch-up after an outage (the receiver answers 503 while the events are ingested), beside the
 *    time the ingest took; once left to the engine's own retry, once with a PUT of the stream at
 *    recovery (the "retry now" an operator can trigger), labelled as such;
 * 3. latency from the ingest answer (201) to the receiver, beside a webhook of the same events;
 * 4. the isolate's heap while the stream catches up, beside its idle heap.
 */
import { randomBytes } from 'node:crypto';
import { availableParallelism, loadavg } from 'node:os';
import { startWebhookReceiver } from '../../lib/webhook-receiver.ts';
import { type BenchRun, freshDir, log } from '../bench-run.ts';
import { DatasetWriter } from '../dataset.ts';
import { connectInspector } from '../isolate-heap.ts';
import { percentile, round } from '../measure.ts';
import { applyMigrations, type BenchServer, startServer } from '../server.ts';
import { startStreamReceiver } from '../stream-receiver.ts';
import {
  call,
  createHttpsStream,
  deliveryHistory,
  ingestAll,
  retryWaits,
  runLines,
  STREAM_SECRET,
  timeSplit,
  untilArrived,
} from './streams-api.ts';
import { type FigureEntry, freshRows, SECTION, type StreamsBench, warmUp, webhookArrivals } from './streams-bench.ts';
import { catchUpFigures } from './streams-catch-up.ts';

const PORT = 8798;
const INSPECTOR_PORT = 9798;
const DELIVERY_TIMEOUT_MS = 20 * 60_000;
/** One single-event ingest request every this many ms in the latency run: a steady, modest rate. */
const LATENCY_INTERVAL_MS = 250;

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/** One measurement: its figures are added as soon as it is done; a failure is a note and the next one runs. */
async function stage(run: BenchRun, name: string, measure: () => Promise<FigureEntry[]>): Promise<void> {
  try {
    for (const entry of await measure()) run.add(entry);
  } catch (error) {
    run.failed(`${SECTION} ${name}`, error);
  }
}

export async function streamsSection(run: BenchRun): Promise<void> {
  const dir = freshDir('streams');
  applyMigrations(dir);
  const writer = new DatasetWriter(dir);
  const labels = { plain: 'st-plain', live: 'st-live', latency: 'st-latency', outage: 'st-outage', outagePut: 'st-outage-put' };
  const orgs = Object.fromEntries(
    Object.entries(labels).map(([key, label], index) => [
      key,
      writer.organization(label, run.now, writer.shards[index % writer.shards.length]),
    ]),
  ) as StreamsBench['orgs'];
  writer.close();
  const receiver = await startStreamReceiver(STREAM_SECRET);
  const hooks = await startWebhookReceiver();
  let server: BenchServer | null = null;
  // The machine may be shared: the report says how loaded it was while the figures were taken.
  const load: number[] = [];
  const loadTimer = setInterval(() => load.push(loadavg()[0] ?? 0), 5000);
  try {
    server = await startServer(dir, PORT, 'wrangler.toml', {
      vars: { WEBHOOK_SECRET_KEY: randomBytes(32).toString('base64'), ALLOW_INSECURE_WEBHOOKS: 'true' },
      inspectorPort: INSPECTOR_PORT,
    });
    const inspector = await connectInspector(server);
    const { events, latencySamples } = run.options.streamSizes;
    const bench: StreamsBench = { run, server, receiver, hooks, inspector, orgs, events, latencySamples };
    await stage(run, 'throughput', () => throughput(bench));
    await stage(run, 'latency', () => latency(bench));
    await stage(run, 'catch-up', () => catchUpFigures(bench, { org: orgs.outage, name: 'outage', retryNow: false }));
    await stage(run, 'catch-up with retry now', () => catchUpFigures(bench, { org: orgs.outagePut, name: 'outage-put', retryNow: true }));
    inspector.close();
  } catch (error) {
    run.failed(SECTION, error);
  } finally {
    clearInterval(loadTimer);
    const mean = load.reduce((sum, value) => sum + value, 0) / Math.max(1, load.length);
    run.notes.push(
      `Streams: 1-minute load average during the section mean ${mean.toFixed(1)}, max ${Math.max(0, ...load).toFixed(1)} on ${availableParallelism()} cores (the machine is shared; the receiver runs in a Node process of its own, apart from the ingest clients).`,
    );
    await server?.stop();
    await receiver.stop();
    await hooks.stop();
  }
}

/** The same ingest into an organization without a stream, then into one with an active stream, delivered. */
async function throughput(bench: StreamsBench): Promise<FigureEntry[]> {
  const { server, receiver, orgs, events } = bench;
  const plain = await ingestAll(server, orgs.plain, freshRows(bench, orgs.plain, events));
  log(`streams: ingest without a stream ${Math.round(plain.rate)} events/s`);
  const stream = await createHttpsStream(server, orgs.live, 'live', receiver.urlOf('live'));
  await warmUp(bench, orgs.live, 'live');
  const rows = freshRows(bench, orgs.live, events);
  const ids = rows.map((row) => row.id);
  const timing = await ingestAll(server, orgs.live, rows);
  log(`streams: ingest with an active stream ${Math.round(timing.rate)} events/s; waiting for delivery`);
  const last = await untilArrived(() => receiver.arrivals('live'), ids, DELIVERY_TIMEOUT_MS, 'live stream');
  const deliveryRate = events / ((last - timing.firstCommit) / 1000);
  const history = await deliveryHistory(server, orgs.live, stream.id);
  const split = timeSplit(history, timing.firstCommit, last);
  const retries = retryWaits(history);
  const arrivals = receiver.arrivals('live');
  const duringIngest = ids.filter((id) => (arrivals.get(id) as number) <= timing.lastCommit).length;
  const afterRate = (events - duringIngest) / Math.max(0.001, (last - timing.lastCommit) / 1000);
  const runs = runLines(server.logs, stream.id).filter((line) => line.requests > 0).length;
  const stats = receiver.stats('live');
  log(
    `streams: delivered at ${Math.round(deliveryRate)} events/s, last ${round((last - timing.lastCommit) / 1000)} s after the last commit`,
  );
  const size = events.toLocaleString('en');
  return [
    {
      section: SECTION,
      name: `https stream delivery throughput, ${size}-event ingest → local receiver (first commit → last event at the receiver)`,
      value: deliveryRate,
      unit: 'events/s',
      baselineName: 'the same ingest, events/s (batches of 500, 4 clients)',
      baseline: timing.rate,
      goal: '≥ 1.0×',
      pass: deliveryRate >= timing.rate,
      note: `${duringIngest.toLocaleString('en')} events delivered while the ingest ran, the other ${(events - duringIngest).toLocaleString('en')} in the ${round((last - timing.lastCommit) / 1000)} s after the last commit (${Math.round(afterRate)} events/s); ${split.requests} requests (${split.failed} failed, ${retries.timeouts} of them the 10 s timeout) of ${Math.round(split.meanEvents)} events / ${round(split.meanBytes / 1024)} KiB on average, ${round(split.meanRequestMs)} ms each, ${Math.round((100 * split.requestMs) / split.wallMs)}% of the wall time in requests; the receiver saw bodies take ${round(stats.uploadMs / Math.max(1, stats.requests))} ms on average to arrive (max ${stats.maxUploadMs} ms), and ${stats.aborted} bodies cut off by the sender (${stats.abortedAfterMs.map((ms) => `${round(ms / 1000)} s`).join(', ') || 'none'} after their headers); ${runs} alarm runs; ${stats.duplicates} duplicates, ${stats.badSignatures} bad signatures`,
    },
    {
      section: SECTION,
      name: 'API ingest events/s with an active https stream (batches of 500, 4 clients)',
      value: timing.rate,
      unit: 'events/s',
      baselineName: 'same, no stream',
      baseline: plain.rate,
      goal: '≥ 0.8×',
      pass: timing.rate >= 0.8 * plain.rate,
    },
  ];
}

/** Single events at a steady rate to an organization with a stream and a webhook: each event's time to each. */
async function latency(bench: StreamsBench): Promise<FigureEntry[]> {
  const { server, receiver, hooks, orgs, latencySamples } = bench;
  const org = orgs.latency;
  await createHttpsStream(server, org, 'latency', receiver.urlOf('latency'));
  hooks.setHook('latency', { secret: STREAM_SECRET, behaviour: { kind: 'ok' } });
  await (
    await call(server, org, 'POST', `/orgs/${org.id}/notification-configs`, {
      name: 'latency',
      webhook: { url: hooks.urlOf('latency'), secret: STREAM_SECRET },
    })
  ).text();
  await warmUp(bench, org, 'latency', true);
  const rows = freshRows(bench, org, latencySamples);
  const committed = new Map<string, number>();
  const requestMs: number[] = [];
  const started = Date.now();
  for (const [index, row] of rows.entries()) {
    await sleep(Math.max(0, started + index * LATENCY_INTERVAL_MS - Date.now()));
    const sent = Date.now();
    await ingestAll(server, org, [row]);
    committed.set(row.id, Date.now());
    requestMs.push(Date.now() - sent);
  }
  const ids = rows.map((row) => row.id);
  await untilArrived(() => receiver.arrivals('latency'), ids, 120_000, 'latency stream');
  await untilArrived(() => webhookArrivals(hooks, 'latency'), ids, 120_000, 'latency webhook');
  const arrivals = { stream: receiver.arrivals('latency'), webhook: webhookArrivals(hooks, 'latency') };
  const of = (map: Map<string, number>) => ids.map((id) => (map.get(id) as number) - (committed.get(id) as number));
  const stream = of(arrivals.stream);
  const webhook = of(arrivals.webhook);
  const [p50, p95, hook50, hook95] = [percentile(stream, 50), percentile(stream, 95), percentile(webhook, 50), percentile(webhook, 95)];
  log(`streams: latency p50 ${p50} ms, p95 ${p95} ms (webhook p50 ${hook50} ms, p95 ${hook95} ms)`);
  const how = `${latencySamples} single-event ingest requests, one every ${LATENCY_INTERVAL_MS} ms`;
  return [
    {
      section: SECTION,
      name: `https stream latency p50, ingest answer (201) → receiver (${how})`,
      value: p50,
      unit: 'ms',
      baselineName: 'webhook of the same events, p50',
      baseline: hook50,
      goal: '≤ 2,000 ms',
      pass: p50 <= 2000,
      note: `stream max ${Math.max(...stream)} ms; the ingest request itself p50 ${percentile(requestMs, 50)} ms, p95 ${percentile(requestMs, 95)} ms`,
    },
    {
      section: SECTION,
      name: 'https stream latency p95, ingest answer (201) → receiver',
      value: p95,
      unit: 'ms',
      baselineName: 'webhook of the same events, p95',
      baseline: hook95,
      goal: '',
      pass: null,
    },
  ];
}
