/** What the streams section's measurements share (streams.ts, streams-catch-up.ts). */
import type { WebhookReceiver } from '../../lib/webhook-receiver.ts';
import { type BenchRun, DAY } from '../bench-run.ts';
import type { BenchOrg } from '../dataset.ts';
import type { Inspector } from '../inspector.ts';
import type { Figure } from '../measure.ts';
import { benchRows } from '../rows.ts';
import type { BenchServer } from '../server.ts';
import type { StreamReceiver } from '../stream-receiver.ts';
import { ingestAll, untilArrived } from './streams-api.ts';

export const SECTION = 'Streams';

/** A figure before its ratio (BenchRun.add works it out). */
export type FigureEntry = Omit<Figure, 'ratio'>;

export interface StreamsBench {
  run: BenchRun;
  server: BenchServer;
  receiver: StreamReceiver;
  hooks: WebhookReceiver;
  inspector: Inspector;
  orgs: Record<'plain' | 'live' | 'latency' | 'outage' | 'outagePut', BenchOrg>;
  /** Events of the throughput and catch-up runs. */
  events: number;
  latencySamples: number;
}

let seed = 600;

/** `count` fresh events of the organization (a new seed each time, so ids never repeat). */
export const freshRows = (bench: StreamsBench, org: BenchOrg, count: number) => [
  ...benchRows(org.id, org.instanceIds, count, bench.run.now - 20 * DAY, bench.run.now - DAY, seed++),
];

/** When each event id first reached the webhook `name` of the webhook receiver. */
export function webhookArrivals(hooks: WebhookReceiver, name: string): Map<string, number> {
  const arrivals = new Map<string, number>();
  for (const entry of hooks.received(name)) if (!arrivals.has(entry.eventId)) arrivals.set(entry.eventId, entry.at);
  return arrivals;
}

/** One event ingested and delivered before anything is timed: the runner and its connections are warm. */
export async function warmUp(bench: StreamsBench, org: BenchOrg, name: string, webhook = false): Promise<void> {
  const rows = freshRows(bench, org, 1);
  await ingestAll(bench.server, org, rows);
  const ids = rows.map((row) => row.id);
  await untilArrived(() => bench.receiver.arrivals(name), ids, 60_000, `warm-up of ${name}`);
  if (webhook) await untilArrived(() => webhookArrivals(bench.hooks, name), ids, 60_000, `warm-up of webhook ${name}`);
}
