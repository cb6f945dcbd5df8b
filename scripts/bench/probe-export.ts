/**
 * Diagnostic (not part of `npm run bench`): the Worker isolate's used heap and live heap (after a
 * full GC) every 5 s while it streams an organization's CSV export, and a heap snapshot summary
 * 20 s in: separates what a stream really holds from garbage not yet collected.
 * `node scripts/bench/probe-export.ts [big|week-small|week-large]` after a bench run.
 */
import { join } from 'node:path';
import { DatasetWriter } from './dataset.ts';
import { heapSnapshotSummary } from './inspector.ts';
import { connectInspector } from './isolate-heap.ts';
import { startServer } from './server.ts';

const dir = join('bench', 'tmp', 'dataset');
const kept = new DatasetWriter(dir);
const org = kept.existing(process.argv[2] ?? 'big');
kept.close();
const server = await startServer(dir, 8970, 'wrangler.toml', { inspectorPort: 9970 });
try {
  const inspector = await connectInspector(server);
  console.log('idle live', (await inspector.retainedHeap()) / 2 ** 20);
  const response = await fetch(`${server.url}/api/v1/organizations/${org.id}/csv-audit-logs`, {
    headers: { authorization: `Bearer ${org.ownerKey}` },
  });
  const reader = response.body?.getReader();
  if (!reader) throw new Error(`export answered ${response.status} without a body`);
  let bytes = 0;
  let last = Date.now();
  let snapped = false;
  const started = Date.now();
  let peak = 0;
  for (;;) {
    const chunk = await reader.read();
    if (chunk.done) break;
    bytes += chunk.value.byteLength;
    if (Date.now() - last > 5000) {
      last = Date.now();
      const used = (await inspector.heapUsage()).usedSize;
      const live = await inspector.retainedHeap();
      peak = Math.max(peak, used);
      console.log(
        `${((Date.now() - started) / 1000).toFixed(0)} s ${(bytes / 2 ** 20).toFixed(0)} MiB: used ${(used / 2 ** 20).toFixed(1)} live ${(live / 2 ** 20).toFixed(1)}`,
      );
      if (!snapped && Date.now() - started > 20000) {
        snapped = true;
        console.log(JSON.stringify(await heapSnapshotSummary(inspector, 12)));
      }
    }
  }
  console.log('done', bytes / 2 ** 20, 'MiB');
  inspector.close();
} finally {
  await server.stop();
}
