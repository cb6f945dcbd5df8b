/**
 * Diagnostic (not part of `npm run bench`): where a log stream's catch-up spends its time. Ingests
 * `events` (default 20,000) while the receiver answers 503, recovers it with a PUT of the stream
 * (so no retry wait is in the window), and runs the catch-up under the CPU profiler of the Worker
 * isolate: prints the functions with the most self time, the isolate's CPU beside the wall time,
 * and the delivery history's split between requests and the engine's own work.
 * `node scripts/bench/probe-streams.ts [events]`. The local D1 simulator runs in another isolate:
 * its SQLite time is not in this profile, it shows as wall time the isolate was idle.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DatasetWriter } from './dataset.ts';
import { cpuProfile } from './inspector.ts';
import { connectInspector } from './isolate-heap.ts';
import { benchRows } from './rows.ts';
import {
  call,
  createHttpsStream,
  deliveryHistory,
  httpsStreamBody,
  ingestAll,
  STREAM_SECRET,
  streamsPath,
  timeSplit,
  untilArrived,
} from './sections/streams-api.ts';
import { applyMigrations, startServer } from './server.ts';
import { startStreamReceiver } from './stream-receiver.ts';

const total = Number(process.argv[2] ?? 20_000);
const dir = join('bench', 'tmp', 'probe-streams');
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
applyMigrations(dir);
const now = Date.now();
const writer = new DatasetWriter(dir);
const org = writer.organization('probe-streams', now);
writer.close();
const receiver = await startStreamReceiver(STREAM_SECRET);
const server = await startServer(dir, 8962, 'wrangler.toml', {
  vars: { WEBHOOK_SECRET_KEY: Buffer.alloc(32, 7).toString('base64'), ALLOW_INSECURE_WEBHOOKS: 'true' },
  inspectorPort: 9962,
});
try {
  const inspector = await connectInspector(server);
  const stream = await createHttpsStream(server, org, 'probe', receiver.urlOf('probe'));
  receiver.setDown('probe', true);
  const rows = [...benchRows(org.id, org.instanceIds, total, now - 20 * 86_400_000, now - 86_400_000, 11)];
  const timing = await ingestAll(server, org, rows);
  console.log(`ingested ${total} events in ${timing.lastCommit - timing.started} ms while the receiver was down`);
  const ids = rows.map((row) => row.id);
  const profiled = await cpuProfile(
    inspector,
    async () => {
      const recovered = Date.now();
      receiver.setDown('probe', false);
      await (await call(server, org, 'PUT', `${streamsPath(org)}/${stream.id}`, httpsStreamBody('probe', receiver.urlOf('probe')))).text();
      return { recovered, last: await untilArrived(() => receiver.arrivals('probe'), ids, 600_000, 'probe') };
    },
    40,
  );
  const { recovered, last } = profiled.result;
  const split = timeSplit(await deliveryHistory(server, org, stream.id), recovered, last);
  console.log(`caught up in ${last - recovered} ms; isolate CPU ${profiled.totalMs.toFixed(0)} ms (profiled, idle included)`);
  console.log(
    `${split.requests} requests, ${split.requestMs} ms in them (${split.meanRequestMs.toFixed(1)} ms each, ${Math.round(split.meanBytes / 1024)} KiB)`,
  );
  for (const entry of profiled.functions) {
    console.log(`${entry.ms.toFixed(0).padStart(7)} ms ${(entry.share * 100).toFixed(1).padStart(5)}% ${entry.name}`);
  }
  inspector.close();
} finally {
  await server.stop();
  await receiver.stop();
}
