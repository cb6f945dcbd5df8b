/**
 * Diagnostic (not part of `npm run bench`): the ingest section's batches of 100 (4 clients) under
 * the CPU profiler of the Worker isolate, printing the functions with the most self time.
 * `node scripts/bench/probe-ingest.ts [events]` (default 20,000). The local D1 simulator runs in
 * another isolate: its SQLite time is not in this profile, only the Worker's own work.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { DatasetWriter } from './dataset.ts';
import { cpuProfile } from './inspector.ts';
import { connectInspector } from './isolate-heap.ts';
import { benchRows, ingestLoad } from './rows.ts';
import { applyMigrations, startServer } from './server.ts';

const BATCH = 100;
const total = Number(process.argv[2] ?? 20_000);
const dir = join('bench', 'tmp', 'probe-ingest');
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
applyMigrations(dir);
const now = Date.now();
const writer = new DatasetWriter(dir);
const org = writer.organization('ingest', now);
const keys = [org.ownerKey, ...[1, 2, 3].map((index) => writer.apiKey(org, `ingest${index}`, 'ingest'))];
writer.close();
const server = await startServer(dir, 8961, 'wrangler.toml', { inspectorPort: 9961 });
try {
  const inspector = await connectInspector(server);
  const rows = [...benchRows(org.id, org.instanceIds, total, now - 20 * 86_400_000, now - 86_400_000, 7)];
  const profiled = await cpuProfile(
    inspector,
    () => autocannon(ingestLoad(`${server.url}/api/v1/organizations/${org.id}/audit-logs`, rows, BATCH, keys)),
    40,
  );
  const result = profiled.result;
  console.log(`events/s ${((result.requests.total * BATCH) / (result.duration || 1)).toFixed(0)}, non-2xx ${result.non2xx}`);
  console.log('isolate cpu ms', profiled.totalMs.toFixed(0), 'over', (result.duration * 1000).toFixed(0), 'ms wall');
  for (const entry of profiled.functions) {
    console.log(`${entry.ms.toFixed(0).padStart(7)} ms ${(entry.share * 100).toFixed(1).padStart(5)}% ${entry.name}`);
  }
  inspector.close();
} finally {
  await server.stop();
}
