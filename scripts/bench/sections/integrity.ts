/**
 * Integrity section (`npm run bench -- --only integrity`): what signed checkpoints cost
 * (docs/INTEGRITY.md, "Checkpoints"), from one server of its own in one run:
 *
 * 1. a checkpoint over 100,000 and over 1,000,000 new events (`POST …/audit-log-checkpoints`: every
 *    event read in pages of 1,000, its content hash recomputed, the chain extended, one signature),
 *    beside a plain read of the same rows through the Worker in the same pages
 *    (`GET …/audit-log-stream?limit=1000`, ascending by sequence, as JSON);
 * 2. ingest while the hourly checkpoint job (`0 * * * *`, through wrangler's `/__scheduled`) runs
 *    back to back, and every 5 s, on the organization being written, beside the same ingest with
 *    no checkpointing at all, measured before and after them (their mean is the baseline).
 *
 * The events of (1) are generated straight into the shard (dataset.ts), as the large dataset's are.
 */
import { availableParallelism, loadavg } from 'node:os';
import { type BenchRun, DAY, freshDir, log } from '../bench-run.ts';
import { type BenchOrg, DatasetWriter } from '../dataset.ts';
import { round } from '../measure.ts';
import { type BenchRow, benchRows } from '../rows.ts';
import { applyMigrations, type BenchServer, startServer } from '../server.ts';
import { call, ingestAll } from './streams-api.ts';

const SECTION = 'Integrity';
const PORT = 8799;
const HOURLY = encodeURIComponent('0 * * * *');
/** The paced run's pause between hourly runs. */
const PACED_MS = 5000;

interface Checkpointed {
  sequence: number;
  ms: number;
}

export async function integritySection(run: BenchRun): Promise<void> {
  const dir = freshDir('integrity');
  applyMigrations(dir);
  const writer = new DatasetWriter(dir);
  const shard = writer.shards[0] as string;
  const sizes = [run.sizes.ingest, run.sizes.big];
  const signed = sizes.map((count, index) => {
    const org = writer.organization(`integrity-${index}`, run.now, shard);
    const rate = writer.events(org, count, run.now - 25 * DAY, run.now - DAY, 900 + index);
    log(`integrity: generated ${count} events for ${org.id} (${Math.round(rate)} rows/s)`);
    return { org, count };
  });
  const ingestOrgs = ['plain-before', 'hourly', 'paced', 'plain-after'].map((label) =>
    writer.organization(`integrity-${label}`, run.now, shard),
  );
  writer.close();
  const load: number[] = [];
  const loadTimer = setInterval(() => load.push(loadavg()[0] ?? 0), 5000);
  let server: BenchServer | null = null;
  try {
    server = await startServer(dir, PORT);
    for (const { org, count } of signed) await checkpointBesideRead(run, server, org, count);
    await ingestBesideCheckpoints(run, server, ingestOrgs as [BenchOrg, BenchOrg, BenchOrg, BenchOrg]);
  } catch (error) {
    run.failed(SECTION, error);
  } finally {
    clearInterval(loadTimer);
    const mean = load.reduce((sum, value) => sum + value, 0) / Math.max(1, load.length);
    run.notes.push(
      `Integrity: 1-minute load average during the section mean ${mean.toFixed(1)}, max ${Math.max(0, ...load).toFixed(1)} on ${availableParallelism()} cores (the machine is shared).`,
    );
    await server?.stop();
  }
}

/** POST a checkpoint over the organization's `count` generated events, then read the same rows as the stream API pages them. */
async function checkpointBesideRead(run: BenchRun, server: BenchServer, org: BenchOrg, count: number): Promise<void> {
  const size = count.toLocaleString('en');
  const started = performance.now();
  const response = await call(server, org, 'POST', `/organizations/${org.id}/audit-log-checkpoints`);
  const { checkpoint } = (await response.json()) as { checkpoint: { sequence: number } };
  const made: Checkpointed = { sequence: checkpoint.sequence, ms: performance.now() - started };
  if (response.status !== 201 || made.sequence !== count + 1)
    throw new Error(`checkpoint of ${org.id}: ${response.status} at sequence ${made.sequence}, expected 201 at ${count + 1}`);
  log(`integrity: checkpoint over ${size} events in ${round(made.ms / 1000, 2)} s`);
  // The read comes second, so any cache the checkpoint warmed favours the baseline, not the figure.
  const read = await readPaged(server, org, count);
  log(`integrity: paged read of the same ${size} events in ${round(read / 1000, 2)} s`);
  run.add({
    section: SECTION,
    name: `POST audit-log-checkpoints over ${size} new events (read in pages of 1,000, content hashes recomputed, chain, one Ed25519 signature)`,
    value: made.ms / 1000,
    unit: 's',
    baselineName: `plain read of the same ${size} rows through the Worker (GET audit-log-stream, limit 1000, ascending, sequentially)`,
    baseline: read / 1000,
    goal: '≤ 2×',
    pass: made.ms <= 2 * read,
    note: `${Math.round(count / (made.ms / 1000)).toLocaleString('en')} events/s signed vs ${Math.round(count / (read / 1000)).toLocaleString('en')} events/s read; the checkpoint also covers the request's own record (sequence ${made.sequence}); events generated straight into the shard, then signed in one request`,
  });
}

/** Reads the organization's first `count` events in ascending pages of 1,000; milliseconds taken. */
async function readPaged(server: BenchServer, org: BenchOrg, count: number): Promise<number> {
  const started = performance.now();
  let after = 0;
  let items = 0;
  while (after < count) {
    const response = await call(server, org, 'GET', `/organizations/${org.id}/audit-log-stream?afterSequence=${after}&limit=1000`);
    const page = (await response.json()) as { items: unknown[]; lastSequence: number };
    if (page.items.length === 0) throw new Error(`audit-log-stream of ${org.id} ended at ${after}, before ${count}`);
    items += page.items.length;
    after = page.lastSequence;
  }
  if (items < count) throw new Error(`read ${items} of ${count} events`);
  return performance.now() - started;
}

/** Each hourly run logs its report (worker/jobs/hourly-cron.ts): {"job":"hourly","checkpoints":n,"eventsSigned":n,…}. */
const hourlyReports = (logs: string[]) =>
  logs.map((line) => /"job":"hourly","checkpoints":(\d+),"eventsSigned":(\d+)/.exec(line)).filter((match) => match !== null);

/** Runs the hourly cron until `stop.done`, `pauseMs` apart (0: back to back); how many runs, checkpoints and events they signed. */
async function hourlyRuns(
  server: BenchServer,
  stop: { done: boolean },
  pauseMs: number,
): Promise<{ runs: number; checkpoints: number; events: number }> {
  const before = server.logs.length;
  let runs = 0;
  while (!stop.done) {
    const response = await fetch(`${server.url}/__scheduled?cron=${HOURLY}`);
    const body = await response.text();
    if (!response.ok) throw new Error(`hourly cron answered ${response.status}: ${body.slice(0, 200)}`);
    runs += 1;
    for (const until = Date.now() + pauseMs; !stop.done && Date.now() < until; ) await new Promise((done) => setTimeout(done, 50));
  }
  // The last run's report may still be on its way from wrangler.
  for (const until = Date.now() + 10_000; hourlyReports(server.logs.slice(before)).length < runs && Date.now() < until; )
    await new Promise((done) => setTimeout(done, 50));
  const reports = hourlyReports(server.logs.slice(before));
  return {
    runs,
    checkpoints: reports.reduce((sum, match) => sum + Number(match[1]), 0),
    events: reports.reduce((sum, match) => sum + Number(match[2]), 0),
  };
}

interface WithJob {
  rate: number;
  jobs: { runs: number; checkpoints: number; events: number };
  latest: number;
}

/** The ingest of `rows` while the hourly job runs `pauseMs` apart, after one run that signs everything before it. */
async function ingestWithJob(server: BenchServer, org: BenchOrg, rows: BenchRow[], pauseMs: number): Promise<WithJob> {
  // Sign what is there (the other runs' events), so the job works only on the organization being
  // written; its report must be in the log before the counting starts (wrangler relays it a moment later).
  const reported = hourlyReports(server.logs).length;
  await (await fetch(`${server.url}/__scheduled?cron=${HOURLY}`)).text();
  for (const until = Date.now() + 10_000; hourlyReports(server.logs).length === reported && Date.now() < until; )
    await new Promise((done) => setTimeout(done, 50));
  const stop = { done: false };
  const job = hourlyRuns(server, stop, pauseMs);
  const timing = await ingestAll(server, org, rows).finally(() => {
    stop.done = true;
  });
  return { rate: timing.rate, jobs: await job, latest: await latestCheckpointOf(server, org) };
}

/** The same ingest four times: no checkpointing, the hourly job back to back, the job every 5 s, no checkpointing again. */
async function ingestBesideCheckpoints(run: BenchRun, server: BenchServer, orgs: [BenchOrg, BenchOrg, BenchOrg, BenchOrg]): Promise<void> {
  const count = run.sizes.ingest;
  const rowsOf = (org: BenchOrg, seed: number) => [...benchRows(org.id, org.instanceIds, count, run.now - 20 * DAY, run.now - DAY, seed)];
  const [before, hourly, paced, after] = orgs;
  const plainBefore = await ingestAll(server, before, rowsOf(before, 950));
  log(`integrity: ingest without checkpointing ${Math.round(plainBefore.rate)} events/s`);
  const backToBack = await ingestWithJob(server, hourly, rowsOf(hourly, 951), 0);
  log(`integrity: ingest with the hourly job back to back ${Math.round(backToBack.rate)} events/s (${backToBack.jobs.runs} runs)`);
  const everyFive = await ingestWithJob(server, paced, rowsOf(paced, 953), PACED_MS);
  log(`integrity: ingest with the hourly job every 5 s ${Math.round(everyFive.rate)} events/s (${everyFive.jobs.runs} runs)`);
  const plainAfter = await ingestAll(server, after, rowsOf(after, 952));
  log(`integrity: ingest without checkpointing, again ${Math.round(plainAfter.rate)} events/s`);
  const baseline = (plainBefore.rate + plainAfter.rate) / 2;
  run.notes.push(
    "Integrity: the ingest baseline is the same build with no checkpoint made while it runs. The `hashes` of the ingest answer are not switched off for a comparison: they are read in the same D1 batch that stores the events and there is no flag to build the Worker without them (adding one only for the bench would measure a Worker nobody runs); their cost is inside both ingest figures and inside the Ingest section's figures.",
  );
  const size = count.toLocaleString('en');
  const figure = (how: string, result: WithJob) =>
    run.add({
      section: SECTION,
      name: `API ingest events/s while the hourly checkpoint job runs ${how} on the same organization (${size} events, batches of 500, 4 clients)`,
      value: result.rate,
      unit: 'events/s',
      baselineName: 'the same ingest with no checkpointing (mean of one run before and one after)',
      baseline,
      goal: '≥ 0.9×',
      pass: result.rate >= 0.9 * baseline,
      note: `${result.jobs.runs} hourly runs during the ingest made ${result.jobs.checkpoints} checkpoints over ${result.jobs.events.toLocaleString('en')} events (latest at sequence ${result.latest}); without: ${Math.round(plainBefore.rate)} before, ${Math.round(plainAfter.rate)} after. Every ingest answer carries \`hashes\` in both (there is no build without them to compare: see the notes)`,
    });
  figure('back to back (the worst case: thousands of times the hourly rate)', backToBack);
  figure('every 5 s (720 times the hourly rate)', everyFive);
}

async function latestCheckpointOf(server: BenchServer, org: BenchOrg): Promise<number> {
  const response = await call(server, org, 'GET', `/organizations/${org.id}/audit-log-checkpoints`);
  const { checkpoints } = (await response.json()) as { checkpoints: { sequence: number }[] };
  return checkpoints.at(-1)?.sequence ?? 0;
}
