/**
 * Diagnostic (not part of `npm run bench`): one archive build of a kept bench dataset under the
 * CPU profiler of the Worker isolate, printing the functions with the most self time and the heap
 * peak. `node scripts/bench/probe-archive.ts [week-small|week-large]` after a bench run (bench/tmp/dataset);
 * SNAP=1 also prints a heap snapshot summary SNAP_AFTER ms (default 15 s) into the build; PROFILE=0
 * only times the build (wall and workerd CPU, nothing attached to the isolate).
 */
import { join } from 'node:path';
import { week as isoWeek, weekStartDate } from '../../worker/archive/week.ts';
import { deleteDayParts, markWeekDue, runArchiveCron, waitForArchive } from './archive-due.ts';
import { DatasetWriter } from './dataset.ts';
import { cpuProfile, heapSnapshotSummary, withHeapSampling } from './inspector.ts';
import { connectInspector } from './isolate-heap.ts';
import { startServer, withPeakRss } from './server.ts';

const label = process.argv[2] ?? 'week-large';
const dir = join('bench', 'tmp', 'dataset');
const kept = new DatasetWriter(dir);
const org = kept.existing(label);
kept.close();
const week = isoWeek(weekStartDate(Date.now() - 7 * 86_400_000));
deleteDayParts(dir, org, week);
markWeekDue(dir, org, week);
const server = await startServer(dir, 8960, 'wrangler.toml', { inspectorPort: 9960 });
const timeoutMs = Number(process.env.PROBE_TIMEOUT ?? 600_000);
const archiveLogs = () => server.logs.filter((line) => line.includes('"job":"archive"')).join('\n');

/** Timing only: no profiler or heap sampler in the isolate. */
async function timeBuild(): Promise<void> {
  const measured = await withPeakRss(server.workerdPid(), async () => {
    await runArchiveCron(server);
    return waitForArchive(server, org, timeoutMs);
  });
  console.log('wall', measured.wall, 'workerd cpu', measured.cpu);
}

/** The build under the CPU profiler and the heap sampler (SNAP=1: a heap snapshot mid-build). */
async function profileBuild(): Promise<void> {
  const inspector = await connectInspector(server);
  const started = Date.now();
  let snapped = false;
  const snapshotMidBuild = async () => {
    if (snapped || !process.env.SNAP || Date.now() - started < Number(process.env.SNAP_AFTER ?? 15000)) return;
    snapped = true;
    console.log('mid-build snapshot', JSON.stringify(await heapSnapshotSummary(inspector, 12)));
  };
  try {
    const profiled = await withHeapSampling(inspector, () =>
      cpuProfile(
        inspector,
        async () => {
          await runArchiveCron(server);
          return waitForArchive(server, org, timeoutMs, snapshotMidBuild);
        },
        25,
      ),
    );
    console.log(
      'wall',
      (Date.now() - started) / 1000,
      'peak',
      profiled.peakUsed / 2 ** 20,
      'base',
      profiled.baseUsed / 2 ** 20,
      'retained',
      profiled.retainedAfter / 2 ** 20,
      'backing',
      profiled.peakBacking / 2 ** 20,
    );
    console.log('cpu total ms', profiled.result.totalMs);
    for (const f of profiled.result.functions)
      console.log(`${f.ms.toFixed(0).padStart(7)} ms ${(f.share * 100).toFixed(1).padStart(5)}% ${f.name}`);
  } finally {
    inspector.close();
  }
}

try {
  await (process.env.PROFILE === '0' ? timeBuild() : profileBuild());
  console.log(archiveLogs());
} catch (error) {
  console.log(server.logs.slice(-30).join('\n'));
  throw error;
} finally {
  await server.stop();
}
