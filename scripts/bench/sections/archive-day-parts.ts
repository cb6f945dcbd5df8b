/**
 * Part of the archive section: the same large week as the daily crons of that week would build it.
 * Each night's cron (00:30 UTC, run here with its scheduled time) deflates the day before into a
 * day part; Monday's cron deflates Sunday and then builds the week from the seven parts. The
 * figure with the goal is Monday's run (what the week's end costs); the nightly jobs' sum is the
 * whole work, beside it.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { deleteDayParts, markWeekDue, runArchiveCron, waitForArchive, waitForJobLog } from '../archive-due.ts';
import type { BenchRun } from '../bench-run.ts';
import type { Dataset } from '../large-dataset.ts';
import { round } from '../measure.ts';
import { type BenchServer, withPeakRss } from '../server.ts';
import { timeCommand } from '../zip-baselines.ts';

export async function dayPartsFigures(
  run: BenchRun,
  server: BenchServer,
  data: Dataset,
  fromD1: { wall: number; dir: string; sha256: string },
): Promise<void> {
  const org = data.weekLarge;
  deleteDayParts(data.dir, org, data.week);
  markWeekDue(data.dir, org, data.week);
  const nightly: number[] = [];
  for (const day of data.week.days.slice(0, 6)) {
    const since = server.logs.length;
    await runArchiveCron(server, day.endMs + 30 * 60_000);
    nightly.push((await waitForJobLog(server, org, `"job":"archive-day","date":"${day.date}"`, since, 10 * 60_000)).ms);
  }
  const since = server.logs.length;
  const monday = await withPeakRss(server.workerdPid(), async () => {
    await runArchiveCron(server, data.week.endMs + 30 * 60_000);
    return waitForArchive(server, org, 30 * 60_000);
  });
  const sunday = await waitForJobLog(server, org, `"job":"archive-day","date":"${data.week.endDate}"`, since, 60_000);
  const weekLine = await waitForJobLog(server, org, '"job":"archive"', since, 60_000);
  const fromParts = /"daysFromParts":(\d+)/.exec(weekLine.line)?.[1] ?? '?';
  rmSync(join(fromD1.dir, 'native-again.zip'), { force: true });
  const native = timeCommand('zip -6 -q -X native-again.zip *.json', fromD1.dir);
  const total = nightly.reduce((sum, ms) => sum + ms, 0) / 1000 + monday.wall;
  const size = run.sizes.weekLarge.toLocaleString('en');
  run.add({
    section: 'Archive',
    name: `${size}-event week: build at the week's end from day parts, wall time (Monday's cron → Sunday's part → week → R2)`,
    value: monday.wall,
    unit: 's',
    baselineName: 'zip -6 of the same day files',
    baseline: native.wall,
    goal: '≤ 1.5× zip -6',
    pass: monday.wall <= 1.5 * native.wall,
    note: `Sunday's part ${round(sunday.ms / 1000, 2)} s, then ${fromParts}/7 days from parts; ZIP ${monday.result.sha256 === fromD1.sha256 ? 'byte-identical to' : 'DIFFERENT from'} the build from D1 alone`,
  });
  run.add({
    section: 'Archive',
    name: `${size}-event week: all its archive work with day parts (six nightly parts + Monday's run)`,
    value: total,
    unit: 's',
    baselineName: 'zip -6 of the same day files',
    baseline: native.wall,
    goal: '',
    pass: null,
    note: `nightly parts ${nightly.map((ms) => round(ms / 1000, 2)).join(' / ')} s; the build from D1 alone took ${round(fromD1.wall, 2)} s`,
  });
  // Later figures (the heap cap) measure builds from D1.
  deleteDayParts(data.dir, org, data.week);
}
