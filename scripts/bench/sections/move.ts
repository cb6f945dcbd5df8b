/**
 * Move section (`npm run bench -- --only move`): moving an organization between shards online
 * (docs/OPERATIONS.md, "Moving an organization"), from one server of its own:
 *
 * 1. move throughput: an organization with `sizes.ingest` events (generated straight into the
 *    first shard, as the other sections' are) moves to the second while a client keeps ingesting
 *    into it; events copied per second from the POST to `done`, beside the ingest rate of the same
 *    server (four clients, batches of 500, into an organization of its own) measured just before;
 * 2. the write pause of the switch: the longest stretch the ingesting client saw from its first
 *    503 (`organization-moving`) to its next 201, retrying every 50 ms; goal ≤ 2 s.
 */
import { type BenchRun, DAY, freshDir, log } from '../bench-run.ts';
import { type BenchOrg, DatasetWriter } from '../dataset.ts';
import { round } from '../measure.ts';
import { benchRows } from '../rows.ts';
import { applyMigrations, type BenchServer, startServer } from '../server.ts';
import { ingestAll } from './streams-api.ts';

const SECTION = 'Move';
const PORT = 8798;
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

interface MoveState {
  state: string;
  copied: number;
  total: number;
  error?: string;
}

export async function moveSection(run: BenchRun): Promise<void> {
  const dir = freshDir('move');
  applyMigrations(dir);
  const writer = new DatasetWriter(dir);
  const [from, to] = writer.shards;
  if (!from || !to) {
    run.failed(SECTION, new Error('the move section needs two shards (EVENT_SHARDS)'));
    writer.close();
    return;
  }
  const moving = writer.organization('move', run.now, from);
  const rate = writer.events(moving, run.sizes.ingest, run.now - 25 * DAY, run.now - DAY, 1700);
  log(`move: generated ${run.sizes.ingest} events for ${moving.id} (${Math.round(rate)} rows/s)`);
  const ingesting = writer.organization('move-ingest', run.now, from);
  writer.close();
  let server: BenchServer | null = null;
  try {
    server = await startServer(dir, PORT);
    const rows = [...benchRows(ingesting.id, ingesting.instanceIds, 20_000, run.now - 2 * DAY, run.now - DAY, 1701)];
    const ingest = await ingestAll(server, ingesting, rows);
    log(`move: ingest baseline ${Math.round(ingest.rate)} events/s`);
    await measureMove(run, server, moving, to, ingest.rate);
  } catch (error) {
    run.failed(SECTION, error);
  } finally {
    await server?.stop();
  }
}

async function measureMove(run: BenchRun, server: BenchServer, org: BenchOrg, to: string, ingestRate: number): Promise<void> {
  const path = `${server.url}/api/v1/admin/organizations/${org.id}/move`;
  const admin = { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/json' };
  const started = Date.now();
  const answer = await fetch(path, { method: 'POST', headers: admin, body: JSON.stringify({ shard: to }) });
  if (answer.status !== 202) throw new Error(`POST move: ${answer.status} ${await answer.text()}`);
  let settled: MoveState | null = null;
  const client = ingestThroughSwitch(server, org, () => settled !== null);
  while (settled === null) {
    await sleep(250);
    const { move } = (await (await fetch(path, { headers: admin })).json()) as { move: MoveState };
    if (move.state === 'done' || move.state === 'failed') settled = move;
  }
  const seconds = (Date.now() - started) / 1000;
  const pause = await client;
  const move = settled as MoveState;
  if (move.state !== 'done') throw new Error(`the move failed: ${move.error ?? 'no reason'}`);
  log(`move: ${move.copied} events in ${round(seconds, 1)} s; ${pause.refused} writes refused, longest pause ${pause.longestMs} ms`);
  run.add({
    section: SECTION,
    name: `move throughput (${move.copied.toLocaleString('en')} events, ingest going on)`,
    value: move.copied / seconds,
    unit: 'events/s',
    baselineName: 'ingest rate (4 clients × 500/batch)',
    baseline: ingestRate,
    goal: '',
    pass: null,
    note: `copy, verification (row by row and the hash chain) and switch; ${pause.acknowledged} events ingested into the moving organization meanwhile`,
  });
  run.add({
    section: SECTION,
    name: 'write pause of the switch (longest 503 window a client saw)',
    value: pause.longestMs / 1000,
    unit: 's',
    baselineName: 'whole move',
    baseline: seconds,
    goal: '≤ 2 s',
    pass: pause.longestMs <= 2000,
    note: `${pause.refused} requests answered 503 organization-moving, retried every 50 ms`,
  });
}

/** Ingests batches of 20 into the moving organization until `stop()`; the longest first-503-to-201 stretch. */
async function ingestThroughSwitch(server: BenchServer, org: BenchOrg, stop: () => boolean) {
  const result = { refused: 0, longestMs: 0, acknowledged: 0 };
  let pauseStarted: number | null = null;
  for (let batch = 0; !stop(); batch += 1) {
    const items = Array.from({ length: 20 }, (_, index) => ({
      id: `move-bench-${batch}-${index}`,
      timestamp: new Date().toISOString(),
      action: 'update',
      actor: { type: 'user', id: 'bench@example.com' },
      object: { type: 'argocd_application', id: { name: `app-${batch % 13}` } },
    }));
    for (;;) {
      const response = await fetch(`${server.url}/api/v1/organizations/${org.id}/audit-logs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${org.ownerKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ items }),
      });
      const text = await response.text();
      if (response.status === 201) {
        result.acknowledged += items.length;
        if (pauseStarted !== null) result.longestMs = Math.max(result.longestMs, Date.now() - pauseStarted);
        pauseStarted = null;
        break;
      }
      if (response.status !== 503) throw new Error(`ingest during the move: ${response.status} ${text}`);
      result.refused += 1;
      pauseStarted ??= Date.now();
      await sleep(50);
    }
    await sleep(20);
  }
  return result;
}
