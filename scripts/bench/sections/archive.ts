/**
 * Archive section: a small and a large week built by the real cron → queue → consumer path from
 * D1 alone, beside `zip -6` of the same day files (wall, CPU, size), a naive in-memory zipSync and
 * the two streaming deflaters; then the large week built from day parts (archive-day-parts.ts),
 * the flat memory of the two builds, and the heap cap.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { unzipSync, zipSync } from 'fflate';
import { DEFLATE_LEVEL } from '../../../worker/archive/zip-stream.ts';
import { deleteDayParts, markWeekDue, runArchiveCron, waitForArchive, waitForJobLog } from '../archive-due.ts';
import { type BenchRun, freshDir } from '../bench-run.ts';
import type { BenchOrg } from '../dataset.ts';
import { archiveCapFigure } from '../heap-cap.ts';
import { type Inspector, withHeapSampling } from '../inspector.ts';
import { connectInspector, type HeapRun, heapFigures, heapSnapshotNote } from '../isolate-heap.ts';
import type { Dataset } from '../large-dataset.ts';
import { round } from '../measure.ts';
import { capped, withSectionServer } from '../section-server.ts';
import { type BenchServer, withPeakRss } from '../server.ts';
import { compareDeflaters, timeCommand, unzipTest } from '../zip-baselines.ts';
import { dayPartsFigures } from './archive-day-parts.ts';

/** One week built from D1 alone, with the ZIP's day files unpacked into `dir`. */
interface WeekBuild {
  wall: number;
  cpu: number;
  peakDelta: number;
  records: number;
  bytes: number;
  sha256: string;
  dir: string;
  heap: HeapRun;
}

export async function archiveSection(run: BenchRun, data: Dataset): Promise<void> {
  await withSectionServer(run, 'Archive', data, (server) => archiveFigures(run, server, data));
  const { weekSmall, weekLarge } = run.sizes;
  // Servers of their own (one per cap), after the section's server has let go of the files.
  await capped(run, () =>
    archiveCapFigure(data.dir, { org: data.weekSmall, events: weekSmall }, { org: data.weekLarge, events: weekLarge }, data.week, 8950),
  );
}

async function archiveFigures(run: BenchRun, server: BenchServer, data: Dataset): Promise<void> {
  const inspector = await connectInspector(server);
  const small = await weekFromD1(run, server, inspector, data, 'small', data.weekSmall, run.sizes.weekSmall);
  const large = await weekFromD1(run, server, inspector, data, 'large', data.weekLarge, run.sizes.weekLarge);
  await dayPartsFigures(run, server, data, large);
  const { weekSmall, weekLarge } = run.sizes;
  run.add({
    section: 'Archive',
    name: `peak workerd RSS growth, ${weekLarge.toLocaleString('en')}-event week`,
    value: large.peakDelta / 1024 ** 2,
    unit: 'MiB',
    baselineName: `${weekSmall.toLocaleString('en')}-event week`,
    baseline: Math.max(1, small.peakDelta / 1024 ** 2),
    goal: '≤ 1.2× (flat)',
    pass: large.peakDelta <= 1.2 * Math.max(small.peakDelta, 1024 ** 2),
  });
  const week = (size: string) => `${size}-event week build`;
  for (const entry of heapFigures(
    'Archive',
    week,
    { size: weekSmall.toLocaleString('en'), run: small.heap },
    { size: weekLarge.toLocaleString('en'), run: large.heap },
  ))
    run.add(entry);
  run.notes.push(await heapSnapshotNote(inspector, `after the ${weekLarge.toLocaleString('en')}-event week build`));
  inspector.close();
}

/**
 * Makes only this organization's week due, then runs the real cron → queue → consumer path, every
 * day read from D1 (no day parts left by an earlier run), and adds the figures of that build.
 */
async function weekFromD1(
  run: BenchRun,
  server: BenchServer,
  inspector: Inspector,
  data: Dataset,
  label: string,
  org: BenchOrg,
  count: number,
): Promise<WeekBuild> {
  deleteDayParts(data.dir, org, data.week);
  markWeekDue(data.dir, org, data.week);
  const since = server.logs.length;
  const { result: measured, ...heap } = await withHeapSampling(inspector, () =>
    withPeakRss(server.workerdPid(), async () => {
      await runArchiveCron(server);
      return waitForArchive(server, org, 30 * 60_000);
    }),
  );
  const dir = freshDir(`week-${label}`);
  const zip = new Uint8Array(await (await fetch(measured.result.presignedUrl)).arrayBuffer());
  for (const [name, bytes] of Object.entries(unzipSync(zip))) writeFileSync(join(dir, name), bytes);
  const build: WeekBuild = {
    wall: measured.wall,
    cpu: measured.cpu,
    peakDelta: measured.peakRss - measured.baseRss,
    records: measured.result.records,
    bytes: measured.result.bytes,
    sha256: measured.result.sha256,
    dir,
    heap,
  };
  const jsonBytes = readdirSync(dir).reduce((sum, name) => sum + statSync(join(dir, name)).size, 0);
  const native = timeCommand('zip -6 -q -X native.zip *.json', dir);
  const consumer = await waitForJobLog(server, org, '"job":"archive"', since, 60_000);
  if (!consumer.line.includes('"daysFromParts":0')) throw new Error(`the build from D1 used day parts: ${consumer.line}`);
  const events = count.toLocaleString('en');
  run.add({
    section: 'Archive',
    name: `${events}-event week: build from D1 alone, wall time (cron → queue → R2)`,
    value: build.wall,
    unit: 's',
    baselineName: 'zip -6 of the same day files',
    baseline: native.wall,
    goal: '≤ 1.5× zip -6',
    pass: build.wall <= 1.5 * native.wall,
    note: `${(jsonBytes / 1024 ** 2).toFixed(0)} MiB JSON → ${(build.bytes / 1024 ** 2).toFixed(1)} MiB ZIP; consumer's own build time ${round(consumer.ms / 1000, 2)} s`,
  });
  run.add({
    section: 'Archive',
    name: `${events}-event week: workerd CPU time`,
    value: build.cpu,
    unit: 's',
    baselineName: 'zip -6 CPU',
    baseline: native.cpu,
    goal: '',
    pass: null,
  });
  await zipBaselineFigures(run, build, zip, native, events);
  return build;
}

/** The same day files zipped other ways: all in memory with fflate, and by the two streaming deflaters. */
async function zipBaselineFigures(run: BenchRun, build: WeekBuild, zip: Uint8Array, native: { wall: number }, events: string) {
  const { dir } = build;
  // Naive baseline where it fits: all seven files in memory, fflate zipSync (pure JS, level 6).
  const files = Object.fromEntries(
    readdirSync(dir)
      .filter((name) => name.endsWith('.json'))
      .map((name) => [name, new Uint8Array(readFileSync(join(dir, name)))]),
  );
  const rssBefore = process.memoryUsage().rss;
  const naiveStart = performance.now();
  const naive = zipSync(files, { level: 6 });
  const naiveSeconds = (performance.now() - naiveStart) / 1000;
  const naiveRss = process.memoryUsage().rss - rssBefore;
  run.add({
    section: 'Archive',
    name: `${events}-event week: naive in-memory zipSync (Node)`,
    value: naiveSeconds,
    unit: 's',
    baselineName: 'zip -6',
    baseline: native.wall,
    goal: '',
    pass: null,
    note: `${(naive.byteLength / 1024 ** 2).toFixed(1)} MiB; +${(naiveRss / 1024 ** 2).toFixed(0)} MiB RSS (holds the whole week)`,
  });
  // The two streaming deflaters the archive writer could use, on the same files, in Node.
  const streamed = await compareDeflaters(files);
  run.add({
    section: 'Archive',
    name: `${events}-event week: writer with node:zlib (chosen), level ${DEFLATE_LEVEL}`,
    value: streamed.native,
    unit: 's',
    baselineName: `same writer with fflate ZipDeflate, level ${DEFLATE_LEVEL}`,
    baseline: streamed.fflate,
    goal: 'faster than fflate',
    pass: streamed.native <= streamed.fflate,
  });
  const nativeZipBytes = statSync(join(dir, 'native.zip')).size;
  run.add({
    section: 'Archive',
    name: `${events}-event week: ZIP size (deflate level ${DEFLATE_LEVEL})`,
    value: build.bytes / 1024 ** 2,
    unit: 'MiB',
    baselineName: 'zip -6 of the same day files',
    baseline: nativeZipBytes / 1024 ** 2,
    goal: '',
    pass: null,
    note: `unzip -t: ${unzipTest(zip, dir)}`,
  });
}
