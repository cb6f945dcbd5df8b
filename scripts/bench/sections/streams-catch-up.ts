/**
 * Catch-up after an outage (streams section): the receiver answers 503 while the events are
 * ingested, then recovers; the catch-up time runs from recovery to the last event at the receiver.
 * The engine retries a failing stream after a quarter of how long it has been failing (1–60 s,
 * streams/delivery-policy.ts), so part of the catch-up is waiting for that retry: the note says
 * how much. The honest run leaves it to the engine and samples the isolate's heap meanwhile; the
 * second, labelled run PUTs the stream at recovery (an operator's "retry now").
 */
import type { LogStream } from '../../../worker/contract/log-streams.ts';
import { log } from '../bench-run.ts';
import type { BenchOrg } from '../dataset.ts';
import { type HeapSampled, withHeapSampling } from '../inspector.ts';
import { round } from '../measure.ts';
import {
  call,
  createHttpsStream,
  deliveryHistory,
  firstArrival,
  httpsStreamBody,
  ingestAll,
  retryWaits,
  runLines,
  streamsPath,
  timeSplit,
  untilArrived,
} from './streams-api.ts';
import { type FigureEntry, freshRows, SECTION, type StreamsBench, warmUp } from './streams-bench.ts';

const MiB = 1024 ** 2;
const HEAP_GOAL_MIB = 48;
const DELIVERY_TIMEOUT_MS = 20 * 60_000;

interface Recovery {
  recovered: number;
  last: number;
}

/** The stream as the API shows it now (its state while failing). */
async function streamNow(bench: StreamsBench, org: BenchOrg, id: string): Promise<LogStream> {
  return ((await (await call(bench.server, org, 'GET', `${streamsPath(org)}/${id}`)).json()) as { stream: LogStream }).stream;
}

export async function catchUpFigures(
  bench: StreamsBench,
  options: { org: BenchOrg; name: string; retryNow: boolean },
): Promise<FigureEntry[]> {
  const { server, receiver, events } = bench;
  const { org, name, retryNow } = options;
  const stream = await createHttpsStream(server, org, name, receiver.urlOf(name));
  await warmUp(bench, org, name);
  await receiver.setDown(name, true);
  const rows = freshRows(bench, org, events);
  const ids = rows.map((row) => row.id);
  const timing = await ingestAll(server, org, rows);
  const ingestMs = timing.lastCommit - timing.started;
  const failing = await streamNow(bench, org, stream.id);
  log(
    `streams: ${events} events ingested into ${name} in ${round(ingestMs / 1000)} s while down; stream ${failing.state}, lag ${failing.lagEvents}`,
  );
  const recover = async (): Promise<Recovery> => {
    const recovered = Date.now();
    await receiver.setDown(name, false);
    if (retryNow)
      await (await call(server, org, 'PUT', `${streamsPath(org)}/${stream.id}`, httpsStreamBody(name, receiver.urlOf(name)))).text();
    return { recovered, last: await untilArrived(() => receiver.arrivals(name), ids, DELIVERY_TIMEOUT_MS, `${name} catch-up`) };
  };
  // The heap is sampled in the honest run only: the second is about the retry, not memory.
  const heap = retryNow ? null : await withHeapSampling(bench.inspector, recover);
  const { recovered, last } = heap ? heap.result : await recover();
  const catchUpMs = last - recovered;
  const firstMs = firstArrival(receiver.arrivals(name), ids) - recovered;
  const history = await deliveryHistory(server, org, stream.id);
  const split = timeSplit(history, recovered + firstMs, last);
  const waits = retryWaits(history);
  const retries = runLines(server.logs, stream.id).filter((line) => line.state === 'error').length;
  const stats = receiver.stats(name);
  log(`streams: ${name} caught up in ${round(catchUpMs / 1000)} s (first event ${round(firstMs / 1000)} s after recovery)`);
  const failingFor = round((recovered - (failing.failingSince ? Date.parse(failing.failingSince) : recovered)) / 1000);
  const catchUp: FigureEntry = {
    section: SECTION,
    name: retryNow
      ? `catch-up of ${events.toLocaleString('en')} events WITH a PUT of the stream at recovery (operator's retry now; not the engine's own figure)`
      : `catch-up of ${events.toLocaleString('en')} events after an outage (receiver 503 during the ingest), recovery → last event at the receiver`,
    value: catchUpMs / 1000,
    unit: 's',
    baselineName: 'time the ingest of those events took (T_ingest)',
    baseline: ingestMs / 1000,
    goal: '≤ 1.5×',
    pass: catchUpMs <= 1.5 * ingestMs,
    note: `first event ${round(firstMs / 1000)} s after recovery (stream failing for about ${failingFor} s; ${stats.refused} requests answered 503, ${waits.timeouts} timed out; ${waits.early} of ${waits.retries} retries sent sooner than the backoff allows, shortest wait ${waits.shortestMs} ms; ${retries} failed runs logged), then ${round((last - recovered - firstMs) / 1000)} s of delivery at ${Math.round(events / ((last - recovered - firstMs) / 1000))} events/s: ${split.requests} requests, ${Math.round((100 * split.requestMs) / Math.max(1, split.wallMs))}% of that time in requests; ${stats.duplicates} duplicates, ${stats.badSignatures} bad signatures`,
  };
  return heap ? [catchUp, heapFigure(heap, events)] : [catchUp];
}

function heapFigure(heap: HeapSampled<Recovery>, events: number): FigureEntry {
  const mib = (bytes: number) => bytes / MiB;
  return {
    section: SECTION,
    name: `peak isolate heap (usedSize) while a stream catches up ${events.toLocaleString('en')} events`,
    value: mib(heap.peakUsed),
    unit: 'MiB',
    baselineName: 'idle heap of the same isolate before it (full GC)',
    baseline: mib(heap.baseUsed),
    goal: `≤ ${HEAP_GOAL_MIB} MiB`,
    pass: mib(heap.peakUsed) <= HEAP_GOAL_MIB,
    note: `${heap.samples < 20 ? 'LOWER BOUND (few samples); ' : ''}${heap.samples} samples; retained after (full GC) ${mib(heap.retainedAfter).toFixed(1)} MiB; peak total heap ${mib(heap.peakTotal).toFixed(1)} MiB, peak ArrayBuffers ${mib(heap.peakBacking).toFixed(1)} MiB`,
  };
}
