/**
 * `npm run drill`: the recovery drill (docs/OPERATIONS.md, "Recovery drill"). Against a running
 * local server (`npm start`; BASE_URL or PORT for another, its local state in .wrangler/state or
 * --persist-to), for the demo organization:
 *   1. makes sure it has archived weeks (runs the daily cron if not) and signs a checkpoint;
 *   2. proves the record whole with the verifier (`npm run verify -- --stream`);
 *   3. deletes its rows of its archived weeks from its shard (`wrangler d1 execute --local`);
 *   4. shows the verifier now fails;
 *   5. restores those weeks (POST /api/v1/admin/organizations/{orgId}/restore, admin token);
 *   6. proves the record whole again, with the same number of events. Exit 0 only then.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ApiClient } from './lib/api-client.ts';
import { archiveWeeks } from './lib/archive-run.ts';
import { closedWeeksWithEvents } from './lib/closed-weeks.ts';
import { readDevVars } from './lib/dev-vars.ts';
import { deleteWeekRows, proveRecord, shardOf } from './lib/drill-steps.ts';
import { DEMO_STATE_FILE } from './lib/seed-demo.ts';

const BASE_URL = process.env.BASE_URL ?? `http://localhost:${process.env.PORT ?? 8787}`;
const { values } = parseArgs({ options: { 'persist-to': { type: 'string' }, timeout: { type: 'string', default: '120' } } });
const persistTo = values['persist-to'];
const started = Date.now();
const log = (line: string) => console.log(`[drill ${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s] ${line}`);

function fail(message: string): never {
  console.error(`[drill] FAILED: ${message}`);
  process.exit(1);
}

const adminToken = process.env.ADMIN_TOKEN ?? readDevVars().ADMIN_TOKEN;
if (!adminToken) fail('No admin token: set ADMIN_TOKEN, or run `npm start` once (it writes one to .dev.vars).');
const stateFile = persistTo ? join(persistTo, 'demo-seed.json') : DEMO_STATE_FILE;
if (!existsSync(stateFile)) fail(`No demo organization (${stateFile}): run \`npm start\` first.`);
const demo = JSON.parse(readFileSync(stateFile, 'utf8')) as { organizationId: string; ownerApiKey: string };
const orgId = demo.organizationId;
const owner = new ApiClient(BASE_URL, demo.ownerApiKey);
const admin = new ApiClient(BASE_URL, adminToken);

interface ArchiveList {
  archives: { startDate: { year: number; month: number; day: number }; records: number; revision: number }[];
}
const pad = (value: number) => String(value).padStart(2, '0');
async function archivedWeeks(): Promise<{ week: string; records: number }[]> {
  const list = await owner.get<ArchiveList>(`/api/v1/organizations/${orgId}/audit-logs-archives?filters.limit=1000`);
  return list.archives.map(({ startDate: d, records }) => ({ week: `${d.year}-${pad(d.month)}-${pad(d.day)}`, records }));
}

log(`Demo organization ${orgId} at ${BASE_URL}.`);
let weeks = await archivedWeeks().catch((error: unknown) => fail(`cannot list its archives (${String(error)}): is \`npm start\` running?`));
if (weeks.length === 0) {
  log('No archived week yet: running the daily cron until its closed weeks are archived…');
  const closed = await closedWeeksWithEvents(owner, orgId);
  await archiveWeeks({ baseUrl: BASE_URL, client: owner, weeks: closed, timeoutMs: Number(values.timeout) * 1000 });
  weeks = await archivedWeeks();
}
if (weeks.length === 0) fail('the demo organization has no closed week with events to archive.');
const archived = weeks.reduce((sum, week) => sum + week.records, 0);
log(`${weeks.length} archived weeks (${weeks.map((week) => week.week).join(', ')}), ${archived} events in their latest revisions.`);

// One checkpoint a minute per organization: the cron run above may just have signed one (429), so
// wait out the minute once and sign again — the drill needs one covering every event so far.
const signed = await owner.post(`/api/v1/organizations/${orgId}/audit-log-checkpoints`, {}, [200, 201, 429]);
if (signed.status === 429) {
  log('A checkpoint was signed within the last minute: waiting 61 s to sign one through the newest event…');
  await new Promise((resolve) => setTimeout(resolve, 61_000));
  await owner.post(`/api/v1/organizations/${orgId}/audit-log-checkpoints`, {});
}
const folder = mkdtempSync(join(tmpdir(), 'audit-drill-'));
try {
  const before = await proveRecord(owner, orgId, folder);
  if (!before.whole) fail(`the record is not whole before the drill (first sequence ${before.firstSequence}):\n${before.output}`);
  log(`Before: ${before.events} events from sequence 1; the verifier proves them complete and unaltered (exit 0).`);

  const shard = shardOf(orgId, persistTo);
  const deleted = deleteWeekRows(
    shard,
    orgId,
    weeks.map((week) => week.week),
    persistTo,
  );
  log(`Deleted ${deleted} rows of the archived weeks from shard ${shard} (wrangler d1 execute ${shard} --local).`);
  const broken = await proveRecord(owner, orgId, folder);
  if (broken.whole) fail(`the record still looks whole with ${deleted} rows deleted: the drill proves nothing.`);
  const why =
    broken.exitCode === 0
      ? `the copy starts at sequence ${broken.firstSequence}, not 1 (it verifies only as an increment after a checkpoint)`
      : `the verifier fails (exit ${broken.exitCode}): ${broken.output.split('\n').find((line) => /missing|gap|differ/i.test(line)) ?? broken.output.split('\n')[0]}`;
  log(`Lost: ${broken.events} events left; not whole: ${why}.`);

  const t0 = Date.now();
  const { body } = await admin.post<{ restore: { weeks: { week: string; events: number; restored: number; alreadyPresent: number }[] } }>(
    `/api/v1/admin/organizations/${orgId}/restore`,
    { weeks: weeks.map((week) => week.week) },
  );
  const restored = body.restore.weeks.reduce((sum, week) => sum + week.restored, 0);
  const seconds = (Date.now() - t0) / 1000;
  for (const week of body.restore.weeks)
    log(`  week ${week.week}: ${week.events} in archive, ${week.restored} restored, ${week.alreadyPresent} already present`);
  log(`Restored ${restored} events in ${seconds.toFixed(1)} s (${Math.round(restored / Math.max(seconds, 0.001))} events/s).`);

  const after = await proveRecord(owner, orgId, folder);
  if (!after.whole) fail(`the record is not whole after the restore (first sequence ${after.firstSequence}):\n${after.output}`);
  if (after.events !== before.events) fail(`${after.events} events after the restore, ${before.events} before.`);
  if (restored !== deleted) fail(`${deleted} rows deleted but ${restored} restored.`);
  log(`After: ${after.events} events (before: ${before.events}); the verifier proves the record whole again (exit 0).`);
} finally {
  rmSync(folder, { recursive: true, force: true });
}
