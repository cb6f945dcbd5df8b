/**
 * Export section: the CSV export of the large organization (rows/s beside SQLite reading the same
 * rows; the workerd process's and the isolate's memory beside a small export's), then the heap cap.
 */
import type { BenchRun } from '../bench-run.ts';
import type { BenchOrg } from '../dataset.ts';
import { DatasetWriter } from '../dataset.ts';
import { exportCapFigure } from '../heap-cap.ts';
import { type Inspector, withHeapSampling } from '../inspector.ts';
import { connectInspector, heapFigures, heapSnapshotNote } from '../isolate-heap.ts';
import type { Dataset } from '../large-dataset.ts';
import { round } from '../measure.ts';
import { capped, withSectionServer } from '../section-server.ts';
import { type BenchServer, withPeakRss } from '../server.ts';

export async function exportSection(run: BenchRun, data: Dataset): Promise<void> {
  await withSectionServer(run, 'Export', data, (server) => exportFigures(run, server, data));
  const { weekSmall, big } = run.sizes;
  await capped(run, () => exportCapFigure(data.dir, { org: data.weekSmall, rows: weekSmall }, { org: data.big, rows: big }, 8950));
}

async function exportOnce(server: BenchServer, inspector: Inspector, org: BenchOrg) {
  const { result, ...heap } = await withHeapSampling(inspector, () =>
    withPeakRss(server.workerdPid(), async () => {
      const response = await fetch(`${server.url}/api/v1/organizations/${org.id}/csv-audit-logs`, {
        headers: { authorization: `Bearer ${org.ownerKey}` },
      });
      let lines = 0;
      let bytes = 0;
      const reader = response.body?.getReader();
      for (;;) {
        const chunk = await reader?.read();
        if (!chunk || chunk.done) break;
        bytes += chunk.value.byteLength;
        for (const byte of chunk.value) if (byte === 10) lines += 1;
      }
      return { rows: lines - 1, bytes };
    }),
  );
  return { ...result, heap };
}

/** Rows per second the SQLite file gives for the same query, without the Worker. */
function sqliteRowRate(data: Dataset): number {
  const sqlite = new DatasetWriter(data.dir);
  const t = performance.now();
  const count = sqlite.query<{ id: string }>(
    'SELECT * FROM audit_events WHERE org_key = ? ORDER BY timestamp DESC, rowid DESC',
    [data.big.key],
    data.big,
  ).length;
  const rawRate = count / ((performance.now() - t) / 1000);
  sqlite.close();
  return rawRate;
}

async function exportFigures(run: BenchRun, server: BenchServer, data: Dataset): Promise<void> {
  const inspector = await connectInspector(server);
  const small = await exportOnce(server, inspector, data.weekSmall);
  const large = await exportOnce(server, inspector, data.big);
  run.add({
    section: 'Export',
    name: `CSV rows/s (${large.result.rows.toLocaleString('en')} rows, streamed)`,
    value: large.result.rows / large.wall,
    unit: 'rows/s',
    baselineName: 'SQLite reading the same rows',
    baseline: sqliteRowRate(data),
    goal: '',
    pass: null,
    note: `${(large.result.bytes / 1024 ** 2).toFixed(0)} MiB in ${round(large.wall)} s`,
  });
  const growth = (measured: typeof large) => Math.max(1, (measured.peakRss - measured.baseRss) / 1024 ** 2);
  run.add({
    section: 'Export',
    name: `peak workerd RSS growth, ${large.result.rows.toLocaleString('en')}-row CSV`,
    value: growth(large),
    unit: 'MiB',
    baselineName: `${small.result.rows.toLocaleString('en')}-row CSV`,
    baseline: growth(small),
    goal: 'flat (≤ 1.2×)',
    pass: growth(large) <= 1.2 * growth(small),
    note: `CSV sizes ${(large.result.bytes / 1024 ** 2).toFixed(0)} MiB vs ${(small.result.bytes / 1024 ** 2).toFixed(0)} MiB`,
  });
  const csv = (rows: string) => `${rows}-row CSV stream`;
  const rows = (measured: typeof large) => measured.result.rows.toLocaleString('en');
  for (const entry of heapFigures('Export', csv, { size: rows(small), run: small.heap }, { size: rows(large), run: large.heap }))
    run.add(entry);
  run.notes.push(await heapSnapshotNote(inspector, `after the ${rows(large)}-row CSV stream`));
  inspector.close();
}
