/**
 * `npm run bench [-- --quick] [-- --only query,export] [-- --reuse]` (`-- --help` lists them):
 * every figure beside a baseline measured in the same run, as a ratio. Local only: wrangler dev
 * (workerd + local D1/R2/queues) on ports of its own, data written by a deterministic generator.
 * Writes bench/results.md and bench/results.json (report.ts).
 *
 * This file only reads the options, builds what several sections share (the large dataset) and
 * runs the chosen sections, each in scripts/bench/sections/ with its own server.
 */
import { BenchRun } from './bench-run.ts';
import { largeDataset } from './large-dataset.ts';
import { parseBenchOptions, USAGE } from './options.ts';
import { writeReport } from './report.ts';
import { archiveSection } from './sections/archive.ts';
import { dashboardSection } from './sections/dashboard.ts';
import { exportSection } from './sections/export.ts';
import { ingestSection } from './sections/ingest.ts';
import { integritySection } from './sections/integrity.ts';
import { moveSection } from './sections/move.ts';
import { querySection } from './sections/query.ts';
import { restoreSection } from './sections/restore.ts';
import { signInSection } from './sections/sign-in.ts';
import { streamsSection } from './sections/streams.ts';
import { webhooksSection } from './sections/webhooks.ts';

const options = parseBenchOptions(process.argv.slice(2));
if (options === 'help') {
  console.log(USAGE);
  process.exit(0);
}
const run = new BenchRun(options);

try {
  if (run.wanted('ingest')) await ingestSection(run);
  // The large dataset only for the sections that read it.
  const data = ['query', 'export', 'archive', 'dashboard'].some((section) => run.wanted(section)) ? largeDataset(run) : null;
  if (data && run.wanted('query')) await querySection(run, data);
  if (data && run.wanted('export')) await exportSection(run, data);
  if (data && run.wanted('archive')) await archiveSection(run, data);
  if (data && run.wanted('dashboard')) await dashboardSection(run, data);
  if (run.wanted('webhooks')) await webhooksSection(run);
  if (run.wanted('streams')) await streamsSection(run);
  if (run.wanted('sign-in')) await signInSection(run);
  if (run.wanted('integrity')) await integritySection(run);
  if (run.wanted('restore')) await restoreSection(run);
  if (run.wanted('move')) await moveSection(run);
} finally {
  writeReport(run);
}
