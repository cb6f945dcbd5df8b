/**
 * Restore section (`npm run bench -- --only restore`): restoring a week from its archive
 * (docs/API.md, "Restoring from archives"), beside the archive build of the same week in the same
 * run, on one server of its own:
 *
 * 1. a closed week of `weekSmall` events, generated straight into the shard (dataset.ts), is
 *    archived through the real cron → queue → consumer path (the baseline: cron to listed archive);
 * 2. the organization's rows of that week are deleted from the shard (`wrangler d1 execute --local`);
 * 3. `POST /api/v1/admin/organizations/{orgId}/restore` verifies the archive (streamed from R2)
 *    and puts every event back: its wall time, and events/s.
 */

import { spawnSync } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import { week as isoWeek, weekStartDate } from '../../../worker/archive/week.ts';
import { toolEnv } from '../../lib/run.ts';
import { markWeekDue, runArchiveCron, waitForArchive, waitForJobLog } from '../archive-due.ts';
import { type BenchRun, DAY, freshDir, log } from '../bench-run.ts';
import { DatasetWriter } from '../dataset.ts';
import { round } from '../measure.ts';
import { applyMigrations, type BenchServer, startServer } from '../server.ts';

const SECTION = 'Restore';
const PORT = 8805;

export async function restoreSection(run: BenchRun): Promise<void> {
  const dir = freshDir('restore');
  applyMigrations(dir);
  const writer = new DatasetWriter(dir);
  const count = run.sizes.weekSmall;
  const week = isoWeek(weekStartDate(run.now - 7 * DAY));
  const org = writer.organization('restore', run.now, writer.shards[0]);
  const rate = writer.events(org, count, week.startMs + 1000, week.endMs - 1000, 1700);
  log(`restore: generated ${count} events in the week of ${week.startDate} for ${org.id} (${Math.round(rate)} rows/s)`);
  writer.close();
  const load: number[] = [];
  const loadTimer = setInterval(() => load.push(loadavg()[0] ?? 0), 5000);
  let server: BenchServer | null = null;
  try {
    server = await startServer(dir, PORT);
    markWeekDue(dir, org, week);
    const since = server.logs.length;
    const buildStart = performance.now();
    await runArchiveCron(server);
    const archive = await waitForArchive(server, org, 30 * 60_000);
    const build = (performance.now() - buildStart) / 1000;
    const consumer = await waitForJobLog(server, org, '"job":"archive"', since, 60_000);
    if (archive.records !== count) throw new Error(`archived ${archive.records} of ${count} events`);
    log(`restore: archive built in ${round(build, 2)} s (consumer ${round(consumer.ms / 1000, 2)} s)`);

    const deleted = spawnSync(
      'wrangler',
      [
        'd1',
        'execute',
        org.shard,
        '--local',
        '--persist-to',
        dir,
        '--command',
        `DELETE FROM audit_events WHERE org_key = ${org.key} AND timestamp >= ${week.startMs} AND timestamp < ${week.endMs}`,
      ],
      { env: toolEnv, encoding: 'utf8' },
    );
    if (deleted.status !== 0) throw new Error(deleted.stderr);

    const started = performance.now();
    const response = await fetch(`${server.url}/api/v1/admin/organizations/${org.id}/restore`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ weeks: [week.startDate] }),
    });
    const text = await response.text();
    const restore = (performance.now() - started) / 1000;
    if (response.status !== 200) throw new Error(`restore answered ${response.status}: ${text.slice(0, 300)}`);
    const restored = (JSON.parse(text) as { restore: { weeks: { restored: number }[] } }).restore.weeks[0]?.restored ?? 0;
    if (restored !== count) throw new Error(`restored ${restored} of ${count} events`);
    const events = count.toLocaleString('en');
    run.add({
      section: SECTION,
      name: `${events}-event week: restore from its archive (verify the ZIP streamed from R2, put back every event), wall time`,
      value: restore,
      unit: 's',
      baselineName: 'archive build of the same week, same run (cron → queue → R2, listed)',
      baseline: build,
      goal: '≤ 3×',
      pass: restore <= 3 * build,
      note: `${Math.round(count / restore).toLocaleString('en')} events/s restored vs ${Math.round(count / build).toLocaleString('en')} events/s archived; ${(archive.bytes / 1024 ** 2).toFixed(1)} MiB ZIP; consumer's own build time ${round(consumer.ms / 1000, 2)} s`,
    });
  } catch (error) {
    run.failed(SECTION, error);
  } finally {
    clearInterval(loadTimer);
    const mean = load.reduce((sum, value) => sum + value, 0) / Math.max(1, load.length);
    run.notes.push(
      `Restore: 1-minute load average during the section mean ${mean.toFixed(1)}, max ${Math.max(0, ...load).toFixed(1)} on ${availableParallelism()} cores (the machine is shared).`,
    );
    await server?.stop();
  }
}
