/** The report of one bench run: bench/results.md and .json (bench/results-<sections>.* for --only). */
import { mkdirSync, writeFileSync } from 'node:fs';
import type { BenchRun } from './bench-run.ts';
import { round } from './measure.ts';

export function writeReport(run: BenchRun): void {
  const { quick, only } = run.options;
  const duration = (Date.now() - run.started) / 1000;
  const header = `# Benchmark results (${quick ? 'quick' : 'full'} run)\n\n${new Date().toISOString()} · ${Math.round(duration)} s · 2 cores, Node ${process.version}, local workerd + D1/R2\n\n`;
  const rows = run.figures.map(
    (entry) =>
      `| ${entry.section} | ${entry.name} | ${round(entry.value, 2)} ${entry.unit} | ${entry.baselineName}: ${round(entry.baseline, 2)} | ${round(entry.ratio, 2)}× | ${entry.goal || '—'} | ${entry.pass === null ? '' : entry.pass ? 'met' : '**miss**'} | ${entry.note ?? ''} |`,
  );
  const table = [
    '| area | figure | value | baseline (same run) | ratio | goal | verdict | note |',
    '|---|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
  const scaleText = Number.isFinite(run.bytesPerEvent)
    ? `\n\n## Scale\n\n${Math.round(run.bytesPerEvent)} bytes per stored event → ${((10 * 1024 ** 3) / run.bytesPerEvent / 1e6).toFixed(1)} M events per 10 GB D1 database.\n`
    : '';
  const markdown = `${header}${table}\n\n${run.notes.map((line) => `- ${line}`).join('\n')}${scaleText}`;
  mkdirSync('bench', { recursive: true });
  // A partial run (--only) writes beside the full results instead of replacing them.
  const stem = only === null ? 'bench/results' : `bench/results-${[...only].join('-')}`;
  writeFileSync(`${stem}.md`, `${markdown}\n`);
  writeFileSync(
    `${stem}.json`,
    `${JSON.stringify({ mode: quick ? 'quick' : 'full', finishedAt: new Date().toISOString(), durationSeconds: Math.round(duration), figures: run.figures, notes: run.notes, bytesPerEvent: run.bytesPerEvent }, null, 2)}\n`,
  );
  console.log(`\n${markdown}`);
}
