/**
 * Move section (`npm run bench -- --only move`): moving an organization between shards online
 * (docs/OPERATIONS.md, "Moving an organization"), from one server of its own:
 *
 * 1. move throughput: an organization with `sizes.ingest` events (generated straight into the
 *    first shard, as the other sections' are) moves to the second while a client keeps ingesting
 *    into it; events copied per second from the POST to `done`, beside the ingest rate of the same
 *    server (four clients, batches of 500, into an organization of its own) measured just before,
 *    and the mover's time by state (its log lines);
 * 2. ingest into the moving organization: two clients (batches of 20) ingest into it for 8 s
 *    before the move and on through it; their rate during the move beside their rate before;
 *    goal ≥ 0.5×;
 * 3. the write pause of the switch: as the server saw it (the move's `fencedAt` → `switchedAt`),
 *    goal ≤ 2 s, and the longest stretch a client saw from its first 503 (`organization-moving`)
 *    to its next 201, retrying every 50 ms.
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
  fencedAt?: string;
  switchedAt?: string;
}

/** Clients ingesting into the moving organization, and how long they ingest before the move starts. */
const CLIENTS = 2;
const BEFORE_MS = 8000;

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
  // The same clients ingest into the organization before the move (its rate then is the baseline) and through it.
  const phases = { phase: 'before' as 'before' | 'during' | 'after', before: 0, during: 0 };
  const clients = Array.from({ length: CLIENTS }, (_, client) => ingestThroughSwitch(server, org, client, phases));
  const warm = Date.now();
  await sleep(BEFORE_MS);
  const beforeSeconds = (Date.now() - warm) / 1000;
  phases.phase = 'during';
  const started = Date.now();
  const answer = await fetch(path, { method: 'POST', headers: admin, body: JSON.stringify({ shard: to }) });
  if (answer.status !== 202) throw new Error(`POST move: ${answer.status} ${await answer.text()}`);
  let settled: MoveState | null = null;
  while (settled === null) {
    await sleep(250);
    const { move } = (await (await fetch(path, { headers: admin })).json()) as { move: MoveState };
    if (move.state === 'done' || move.state === 'failed') settled = move;
  }
  const seconds = (Date.now() - started) / 1000;
  phases.phase = 'after';
  const pauses = await Promise.all(clients);
  const move = settled as MoveState;
  if (move.state !== 'done') throw new Error(`the move failed: ${move.error ?? 'no reason'}`);
  const refused = pauses.reduce((sum, pause) => sum + pause.refused, 0);
  const longestMs = Math.max(...pauses.map((pause) => pause.longestMs));
  const serverPauseMs = move.fencedAt && move.switchedAt ? Date.parse(move.switchedAt) - Date.parse(move.fencedAt) : Number.NaN;
  const rates = { before: phases.before / beforeSeconds, during: phases.during / seconds };
  log(
    `move: ${move.copied} events in ${round(seconds, 1)} s; ingest into it ${Math.round(rates.during)}/s during, ${Math.round(rates.before)}/s before; ` +
      `switch ${serverPauseMs} ms (server), ${refused} writes refused, longest client pause ${longestMs} ms`,
  );
  run.add({
    section: SECTION,
    name: `move throughput (${move.copied.toLocaleString('en')} events, ingest going on)`,
    value: move.copied / seconds,
    unit: 'events/s',
    baselineName: 'ingest rate (4 clients × 500/batch)',
    baseline: ingestRate,
    goal: '',
    pass: null,
    note: `copy, verification (row by row and the hash chain) and switch; mover time by state: ${pieceTimes(server.logs)}`,
  });
  run.add({
    section: SECTION,
    name: `ingest into the moving organization during the move (${CLIENTS} clients × 20/batch)`,
    value: rates.during,
    unit: 'events/s',
    baselineName: `the same clients before the move (${round(beforeSeconds, 1)} s)`,
    baseline: rates.before,
    goal: '≥ 0.5× before',
    pass: rates.during >= 0.5 * rates.before,
    note: `${phases.during} events acknowledged during the move, ${phases.before} in the ${round(beforeSeconds, 1)} s before`,
  });
  run.add({
    section: SECTION,
    name: 'write pause of the switch (server: fencedAt → switchedAt)',
    value: serverPauseMs / 1000,
    unit: 's',
    baselineName: 'whole move',
    baseline: seconds,
    goal: '≤ 2 s',
    pass: serverPauseMs <= 2000,
    note: `longest 503 window a client saw: ${round(longestMs / 1000, 2)} s (${refused} requests answered 503 organization-moving, retried every 50 ms)`,
  });
}

/** The mover's log lines (organization-mover.ts), summed: pieces and milliseconds by state, and the rests. */
function pieceTimes(logs: string[]): string {
  const sums: Record<string, { count: number; ms: number }> = {};
  let rested = 0;
  for (const line of logs) {
    const start = line.indexOf('{"job":"organization-move"');
    if (start < 0) continue;
    const entry = JSON.parse(line.slice(start)) as { pieces?: Record<string, { count: number; ms: number }>; restedMs?: number };
    rested += entry.restedMs ?? 0;
    for (const [state, piece] of Object.entries(entry.pieces ?? {})) {
      const sum = sums[state] ?? { count: 0, ms: 0 };
      sums[state] = sum;
      sum.count += piece.count;
      sum.ms += piece.ms;
    }
  }
  const parts = Object.entries(sums).map(([state, sum]) => `${state} ${sum.count} pieces ${round(sum.ms / 1000, 1)} s`);
  return `${parts.join(', ')}; rested ${round(rested / 1000, 1)} s`;
}

/**
 * Ingests batches of 20 into the moving organization until the phase is `after`, counting what
 * was acknowledged in each phase; the longest first-503-to-201 stretch.
 */
async function ingestThroughSwitch(
  server: BenchServer,
  org: BenchOrg,
  client: number,
  phases: { phase: string; before: number; during: number },
) {
  const result = { refused: 0, longestMs: 0 };
  let pauseStarted: number | null = null;
  for (let batch = 0; phases.phase !== 'after'; batch += 1) {
    const items = Array.from({ length: 20 }, (_, index) => ({
      id: `move-bench-${client}-${batch}-${index}`,
      timestamp: new Date().toISOString(),
      action: 'update',
      actor: { type: 'user', id: `bench-${client}@example.com` },
      object: { type: 'argocd_application', id: { name: `app-${batch % 13}` } },
    }));
    for (;;) {
      const phase = phases.phase;
      const response = await fetch(`${server.url}/api/v1/organizations/${org.id}/audit-logs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${org.ownerKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ items }),
      });
      const text = await response.text();
      if (response.status === 201) {
        // Counted in the phase the request was sent in (an answer after the move's end still counts for it).
        if (phase === 'before') phases.before += items.length;
        else if (phase === 'during') phases.during += items.length;
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
