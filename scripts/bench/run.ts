/**
 * Longer than 300 lines: every section of one benchmark run and its report; the sections move to
 * files of their own as they grow (scripts/bench/*.ts already hold the shared machinery).
 *
 * `npm run bench [-- --quick]`: every figure beside a baseline measured in the same run, as a
 * ratio. Local only: wrangler dev (workerd + local D1/R2/queues) on ports of its own, data written
 * by a deterministic generator. Writes bench/results.md and bench/results.json.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { count } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/d1';
import { unzipSync, Zip, ZipDeflate, zipSync } from 'fflate';
import { week as isoWeek, weekStartDate } from '../../worker/archive/week.ts';
import { DEFLATE_LEVEL, StreamingZip } from '../../worker/archive/zip-stream.ts';
import { NO_RESOLVED_FILTERS } from '../../worker/events/filters.ts';
import { searchMatch } from '../../worker/events/search-text.ts';
import { countQuery, matchPositions, pageQuery, RECENT_ROWS, TEXT_COUNT_LIMIT } from '../../worker/services/query/audit-logs.ts';
import { deleteDayParts, markWeekDue, runArchiveCron, waitForArchive, waitForJobLog } from './archive-due.ts';
import { dashboardFigures } from './dashboard.ts';
import { type BenchOrg, DatasetWriter } from './dataset.ts';
import { facetFigures } from './facets.ts';
import { archiveCapFigure, exportCapFigure } from './heap-cap.ts';
import { type Inspector, withHeapSampling } from './inspector.ts';
import { connectInspector, type HeapRun, heapFigures, heapSnapshotNote } from './isolate-heap.ts';
import { type Figure, figure, latency, median, round, timedFetch } from './measure.ts';
import { noisyNeighbour } from './neighbour.ts';
import { ACTORS, benchRows, ingestLoad } from './rows.ts';
import { applyMigrations, type BenchServer, startServer, withPeakRss } from './server.ts';
import { webhookFigures } from './webhooks.ts';

const quick = process.argv.includes('--quick');
// --only query,export,archive,dashboard,ingest,webhooks runs just those sections; --reuse keeps the
// generated dataset of the previous run of the same size (bench/tmp/dataset) instead of rebuilding it.
const onlyIndex = process.argv.indexOf('--only');
const only = onlyIndex >= 0 ? new Set((process.argv[onlyIndex + 1] ?? '').split(',')) : null;
const wanted = (name: string) => only === null || only.has(name);
const reuse = process.argv.includes('--reuse');
const SIZES = quick
  ? { big: 100_000, others: 100_000, weekSmall: 20_000, weekLarge: 100_000, ingest: 20_000, repeat: 15 }
  : { big: 1_000_000, others: 1_000_000, weekSmall: 100_000, weekLarge: 1_000_000, ingest: 100_000, repeat: 40 };
const WEBHOOK_SIZES = quick ? { events: 2_000, latencySamples: 20 } : { events: 10_000, latencySamples: 50 };
const DAY = 86_400_000;
const ROOT = join('bench', 'tmp');
const figures: Figure[] = [];
const notes: string[] = [];
const log = (line: string) => console.log(`[bench] ${line}`);
const started = Date.now();
const now = Date.now();

function add(entry: Parameters<typeof figure>[0]) {
  const result = figure(entry);
  figures.push(result);
  log(
    `${result.section} · ${result.name}: ${round(result.value, 2)} ${result.unit} (baseline ${result.baselineName} ${round(result.baseline, 2)}; ratio ${round(result.ratio, 2)}×)${result.pass === false ? ' MISS' : ''}`,
  );
}

function freshDir(name: string): string {
  const dir = join(ROOT, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}

// ─── 1. Ingest ────────────────────────────────────────────────────────────────────────────────
async function ingestBench(): Promise<void> {
  const apiDir = freshDir('ingest-api');
  applyMigrations(apiDir);
  const writer = new DatasetWriter(apiDir);
  const org = writer.organization('ingest', now);
  const keys = [org.ownerKey, ...[1, 2, 3].map((index) => writer.apiKey(org, `ingest${index}`, 'ingest'))];
  writer.close();
  const server = await startServer(apiDir, 8791);
  const rawDir = freshDir('ingest-raw');
  applyMigrations(rawDir, 'scripts/bench/raw-insert.wrangler.toml');
  const rawWriter = new DatasetWriter(rawDir, 'scripts/bench/raw-insert.wrangler.toml');
  const rawOrg = rawWriter.organization('ingest', now);
  rawWriter.close();
  const raw = await startServer(rawDir, 8792, 'scripts/bench/raw-insert.wrangler.toml');
  try {
    let seed = 1;
    let rawSequence = 0;
    for (const batch of [100, 1000]) {
      const total = SIZES.ingest;
      const rows = [...benchRows(org.id, org.instanceIds, total, now - 20 * DAY, now - DAY, seed++)];
      const result = await autocannon(ingestLoad(`${server.url}/api/v1/organizations/${org.id}/audit-logs`, rows, batch, keys));
      if (result.non2xx > 0 || result.errors > 0) notes.push(`ingest batch ${batch}: ${result.non2xx} non-2xx, ${result.errors} errors`);
      const apiRate = (result.requests.total * batch) / (result.duration || 1);

      // Raw baseline: the same rows, batched D1 inserts in the same runtime, no API.
      const rawRows = [...benchRows(rawOrg.id, rawOrg.instanceIds, total, now - 20 * DAY, now - DAY, seed++)];
      const rates: Record<string, number> = {};
      for (const mode of ['single', 'multi'] as const) {
        let rawMs = 0;
        const modeRows = rawRows.map((row) => ({ ...row, id: `${row.id}-${mode}-${batch}`, org_key: rawOrg.key, sequence: ++rawSequence }));
        for (let start = 0; start < modeRows.length; start += batch) {
          const response = await fetch(raw.url, {
            method: 'POST',
            body: JSON.stringify({ mode, rows: modeRows.slice(start, start + batch) }),
          });
          const body = (await response.json()) as { ms: number };
          rawMs += body.ms;
        }
        rates[mode] = modeRows.length / (rawMs / 1000);
      }
      const best = Math.max(rates.single ?? 0, rates.multi ?? 0);
      add({
        section: 'Ingest',
        name: `API events/s, batches of ${batch}, 4 clients`,
        value: apiRate,
        unit: 'events/s',
        baselineName: `raw D1 batch (${(rates.multi ?? 0) >= (rates.single ?? 0) ? '4-row' : '1-row'} INSERTs)`,
        baseline: best,
        goal: '≥ 0.5× raw',
        pass: apiRate >= 0.5 * best,
      });
      add({
        section: 'Ingest',
        name: `raw D1 1-row INSERT statements, batches of ${batch}`,
        value: rates.single ?? 0,
        unit: 'rows/s',
        baselineName: 'raw 4-row INSERTs',
        baseline: rates.multi ?? 1,
        goal: '',
        pass: null,
      });
    }
  } finally {
    await server.stop();
    await raw.stop();
  }
}

// ─── 2–4. Query, archive, export over a large dataset ────────────────────────────────────────
interface Dataset {
  dir: string;
  big: BenchOrg;
  /** An organization of the same size on the same shard as `big` (the noisy neighbour). */
  neighbour: BenchOrg;
  /** An organization of the same size on the other shard. */
  farNeighbour: BenchOrg;
  weekSmall: BenchOrg;
  weekLarge: BenchOrg;
  week: ReturnType<typeof isoWeek>;
}

function buildDataset(): Dataset {
  if (reuse && existsSync(join(ROOT, 'dataset'))) {
    notes.push('Dataset reused from the previous run (--reuse).');
    const kept = new DatasetWriter(join(ROOT, 'dataset'));
    const dataset = {
      dir: join(ROOT, 'dataset'),
      big: kept.existing('big'),
      neighbour: kept.existing('other2'),
      farNeighbour: kept.existing('other1'),
      weekSmall: kept.existing('week-small'),
      weekLarge: kept.existing('week-large'),
      week: isoWeek(weekStartDate(now - 7 * DAY)),
    };
    kept.close();
    return dataset;
  }
  const dir = freshDir('dataset');
  applyMigrations(dir);
  const writer = new DatasetWriter(dir);
  const week = isoWeek(weekStartDate(now - 7 * DAY));
  // Spread over the shards: the big organization alone on the first, the rest round the others.
  const shard = (index: number) => writer.shards[index % writer.shards.length] as string;
  const big = writer.organization('big', now, shard(0));
  const orgs = [big, ...[1, 2, 3].map((index) => writer.organization(`other${index}`, now, shard(index)))];
  let seed = 100;
  const generated = performance.now();
  let rows = 0;
  for (const org of orgs) {
    const count = org === big ? SIZES.big : SIZES.others;
    const rate = writer.events(org, count, now - 28 * DAY, now - 60_000, seed++);
    rows += count;
    log(`generated ${count} events for ${org.id} (${Math.round(rate)} rows/s)`);
  }
  const weekSmall = writer.organization('week-small', now, shard(1));
  const weekLarge = writer.organization('week-large', now, shard(1));
  writer.events(weekSmall, SIZES.weekSmall, week.startMs, week.endMs, seed++);
  writer.events(weekLarge, SIZES.weekLarge, week.startMs, week.endMs, seed++);
  rows += SIZES.weekSmall + SIZES.weekLarge;
  const seconds = (performance.now() - generated) / 1000;
  writer.nothingDue();
  const size = writer.bytesPerEvent();
  notes.push(
    `Generator: ${rows.toLocaleString('en')} events in ${round(seconds)} s (${Math.round(rows / seconds).toLocaleString('en')} rows/s, node:sqlite straight into the local D1 file).`,
  );
  notes.push(
    `Storage: ${(size.bytes / 1024 ** 3).toFixed(2)} GiB for ${size.events.toLocaleString('en')} events = ${Math.round(size.bytes / size.events)} bytes per event (table, every index, search index).`,
  );
  scale.bytesPerEvent = size.bytes / size.events;
  writer.close();
  const neighbour = orgs[2] as BenchOrg;
  if (neighbour.shard !== big.shard) throw new Error('the noisy neighbour must share the big organization’s shard');
  const farNeighbour = orgs[1] as BenchOrg;
  return { dir, big, neighbour, farNeighbour, weekSmall, weekLarge, week };
}

const scale = { bytesPerEvent: Number.NaN };

async function queryBench(server: BenchServer, data: Dataset): Promise<void> {
  const headers = { authorization: `Bearer ${data.big.ownerKey}` };
  const base = `${server.url}/api/v1/organizations/${data.big.id}/audit-logs`;
  const get = (query: string) => () => timedFetch(`${base}?${query}`, { headers });
  const floor = await latency(SIZES.repeat, 3, () => timedFetch(`${server.url}/api/v1/me`, { headers }));
  const first = await latency(SIZES.repeat, 3, get(''));
  add({
    section: 'Query',
    name: `first page p50 (${SIZES.big.toLocaleString('en')} events in org)`,
    value: first.p50,
    unit: 'ms',
    baselineName: 'GET /me p50',
    baseline: floor.p50,
    goal: '≤ 25 ms',
    pass: first.p50 <= 25,
    note: `p95 ${round(first.p95)} ms`,
  });

  // Same SQL straight on SQLite (node:sqlite, same file): what the engine costs without the Worker.
  const sqlite = new DatasetWriter(data.dir);
  const db = drizzle({} as D1Database);
  const rawTime = (query: { toSQL(): { sql: string; params: unknown[] } }) => {
    const { sql, params } = query.toSQL();
    const samples: number[] = [];
    for (let index = 0; index < 7; index += 1) {
      const t = performance.now();
      sqlite.query(sql, params as (string | number | null)[], data.big);
      samples.push(performance.now() - t);
    }
    return median(samples);
  };
  const rawFirst = rawTime(pageQuery(db, data.big.id, NO_RESOLVED_FILTERS, { limit: 50, offset: 0, cursor: null }));
  const rawCount = rawTime(countQuery(db, data.big.id, NO_RESOLVED_FILTERS));
  const userOnly = { ...NO_RESOLVED_FILTERS, actorTypes: ['user'] };
  const rawScanCount = rawTime(countQuery(db, data.big.id, userOnly));
  add({
    section: 'Query',
    name: 'first page p50 vs the same SQL on SQLite directly',
    value: first.p50,
    unit: 'ms',
    baselineName: 'SQLite page+count',
    baseline: rawFirst + rawCount,
    goal: '',
    pass: null,
    note: 'the rest is the Worker, local D1 transport and HTTP',
  });
  add({
    section: 'Query',
    name: 'unfiltered totalCount on SQLite (sum of per-week counters)',
    value: rawCount,
    unit: 'ms',
    baselineName: 'SQLite page of 50',
    baseline: rawFirst,
    goal: '',
    pass: null,
  });
  add({
    section: 'Query',
    name: 'filtered totalCount on SQLite (actorType=user, ~70% of rows: index range count)',
    value: rawScanCount,
    unit: 'ms',
    baselineName: 'SQLite page of 50',
    baseline: rawFirst,
    goal: '',
    pass: null,
    note: 'why broad filters cost more than the first page',
  });

  const offset = await latency(SIZES.repeat, 2, get('filters.offset=10000'));
  add({
    section: 'Query',
    name: 'offset page at depth 10k p50',
    value: offset.p50,
    unit: 'ms',
    baselineName: 'first page p50',
    baseline: first.p50,
    goal: '',
    pass: null,
    note: `p95 ${round(offset.p95)} ms`,
  });
  const [deep] = sqlite.query<{ timestamp: number; position: number }>(
    'SELECT timestamp, rowid AS position FROM audit_events WHERE org_key = ? ORDER BY timestamp DESC, rowid DESC LIMIT 1 OFFSET 19999',
    [data.big.key],
    data.big,
  );
  const cursor = Buffer.from(JSON.stringify([deep?.timestamp, deep?.position])).toString('base64url');
  const deepCursor = await latency(SIZES.repeat, 2, get(`cursor=${cursor}`));
  add({
    section: 'Query',
    name: 'cursor page at depth 20k p50',
    value: deepCursor.p50,
    unit: 'ms',
    baselineName: 'first page p50',
    baseline: first.p50,
    goal: '≤ 1.2× first page',
    pass: deepCursor.p50 <= 1.2 * first.p50,
    note: `p95 ${round(deepCursor.p95)} ms`,
  });

  const dayStart = new Date(now - 3 * DAY).toISOString();
  const dayEnd = new Date(now - 2 * DAY).toISOString();
  const filters: [string, string][] = [
    ['actorId', `filters.actorId=${encodeURIComponent(ACTORS[3] ?? '')}`],
    [
      'actorId ×3',
      ACTORS.slice(0, 3)
        .map((actor) => `filters.actorId=${encodeURIComponent(actor)}`)
        .join('&'),
    ],
    ['actorType', 'filters.actorType=service'],
    ['action', 'filters.action=rollback'],
    ['objectType', 'filters.objectType=kargo_freight'],
    ['objectName', 'filters.objectName=billing-42'],
    ['instanceId', `filters.instanceId=${data.big.instanceIds[1]}`],
    ['one day', `filters.startTime=${dayStart}&filters.endTime=${dayEnd}`],
    ['free text (common word)', 'filters.q=guestbook'],
    ['free text (rare)', 'filters.q=fffff'],
  ];
  for (const [name, query] of filters) {
    const result = await latency(Math.max(5, Math.floor(SIZES.repeat / 2)), 1, get(query));
    // P10: a common word answers within 100 ms at 1M events (its count bounded, see below).
    const common = name === 'free text (common word)';
    add({
      section: 'Query',
      name: `filter ${name} p50`,
      value: result.p50,
      unit: 'ms',
      baselineName: 'first page p50',
      baseline: first.p50,
      goal: common ? '≤ 100 ms' : '',
      pass: common ? result.p50 <= 100 : null,
      note: `p95 ${round(result.p95)} ms${common ? `; totalCount counted up to ${TEXT_COUNT_LIMIT.toLocaleString('en')}` : ''}`,
    });
  }
  // The trade-off: what an exact totalCount of the common word would cost, beside the bounded one.
  const common = { ...NO_RESOLVED_FILTERS, text: { words: ['guestbook'], phrases: [] } };
  const rawExact = rawTime(countQuery(db, data.big.id, common));
  const rawBounded = rawTime(
    db.select({ total: count() }).from(matchPositions(db, data.big.id, common, TEXT_COUNT_LIMIT + 1, RECENT_ROWS).as('counted')),
  );
  add({
    section: 'Query',
    name: 'free text (common word): exact totalCount on SQLite',
    value: rawExact,
    unit: 'ms',
    baselineName: `count up to ${TEXT_COUNT_LIMIT.toLocaleString('en')} on SQLite`,
    baseline: rawBounded,
    goal: '',
    pass: null,
    note: `what totalCountExact: false saves per request (${(Number(sqlite.query<{ n: number }>('SELECT count(*) AS n FROM audit_events_search WHERE audit_events_search MATCH ?', [searchMatch(data.big.id, common.text) ?? ''], data.big)[0]?.n ?? 0)).toLocaleString('en')} FTS matches)`,
  });
  sqlite.close();
  for (const entry of await facetFigures(server.url, data.big, first.p50, SIZES.repeat)) add(entry);
  for (const entry of await noisyNeighbour(server.url, data.big, data.neighbour, SIZES.repeat)) add(entry);
  for (const entry of (await noisyNeighbour(server.url, data.big, data.farNeighbour, SIZES.repeat)).slice(0, 2)) add(entry);
}

function timeCommand(command: string, cwd: string): { wall: number; cpu: number } {
  // bash's `time` reports on its own stderr; the command's output is discarded inside the braces.
  const result = spawnSync('bash', ['-c', `TIMEFORMAT='%R %U %S'; { time ${command} >/dev/null 2>&1 ; } 2>&1`], { cwd, encoding: 'utf8' });
  const [wall, user, system] = (result.stdout.trim().split('\n').at(-1) ?? '').split(' ').map(Number);
  return { wall: wall ?? Number.NaN, cpu: (user ?? 0) + (system ?? 0) };
}

/** Info-ZIP's own check of every entry (CRC and inflate), as a second reader besides fflate. */
function unzipTest(zip: Uint8Array, dir: string): string {
  writeFileSync(join(dir, 'built.zip'), zip);
  const tested = spawnSync('unzip', ['-tq', 'built.zip'], { cwd: dir, encoding: 'utf8' });
  if (tested.error) return 'unzip not installed';
  return tested.status === 0 ? 'no errors' : `FAILED (${tested.stdout.trim()})`;
}

async function archiveBench(server: BenchServer, data: Dataset): Promise<void> {
  const pid = server.workerdPid();
  const inspector = await connectInspector(server);
  const results: Record<
    string,
    { wall: number; cpu: number; peakDelta: number; records: number; bytes: number; sha256: string; dir: string; heap: HeapRun }
  > = {};
  for (const [label, org, count] of [
    ['small', data.weekSmall, SIZES.weekSmall],
    ['large', data.weekLarge, SIZES.weekLarge],
  ] as const) {
    // Make only this organization's week due, then run the real cron → queue → consumer path,
    // every day read from D1 (no day parts left by an earlier run).
    deleteDayParts(data.dir, org, data.week);
    markWeekDue(data.dir, org, data.week);
    const since = server.logs.length;
    const { result: measured, ...heap } = await withHeapSampling(inspector, () =>
      withPeakRss(pid, async () => {
        await runArchiveCron(server);
        return waitForArchive(server, org, 30 * 60_000);
      }),
    );
    const dir = freshDir(`week-${label}`);
    const zip = new Uint8Array(await (await fetch(measured.result.presignedUrl)).arrayBuffer());
    for (const [name, bytes] of Object.entries(unzipSync(zip))) writeFileSync(join(dir, name), bytes);
    results[label] = {
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
    add({
      section: 'Archive',
      name: `${count.toLocaleString('en')}-event week: build from D1 alone, wall time (cron → queue → R2)`,
      value: measured.wall,
      unit: 's',
      baselineName: 'zip -6 of the same day files',
      baseline: native.wall,
      goal: '≤ 1.5× zip -6',
      pass: measured.wall <= 1.5 * native.wall,
      note: `${(jsonBytes / 1024 ** 2).toFixed(0)} MiB JSON → ${(measured.result.bytes / 1024 ** 2).toFixed(1)} MiB ZIP; consumer's own build time ${round(consumer.ms / 1000, 2)} s`,
    });
    add({
      section: 'Archive',
      name: `${count.toLocaleString('en')}-event week: workerd CPU time`,
      value: measured.cpu,
      unit: 's',
      baselineName: 'zip -6 CPU',
      baseline: native.cpu,
      goal: '',
      pass: null,
    });

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
    add({
      section: 'Archive',
      name: `${count.toLocaleString('en')}-event week: naive in-memory zipSync (Node)`,
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
    add({
      section: 'Archive',
      name: `${count.toLocaleString('en')}-event week: writer with node:zlib (chosen), level ${DEFLATE_LEVEL}`,
      value: streamed.native,
      unit: 's',
      baselineName: `same writer with fflate ZipDeflate, level ${DEFLATE_LEVEL}`,
      baseline: streamed.fflate,
      goal: 'faster than fflate',
      pass: streamed.native <= streamed.fflate,
    });
    const nativeZipBytes = statSync(join(dir, 'native.zip')).size;
    add({
      section: 'Archive',
      name: `${count.toLocaleString('en')}-event week: ZIP size (deflate level ${DEFLATE_LEVEL})`,
      value: measured.result.bytes / 1024 ** 2,
      unit: 'MiB',
      baselineName: 'zip -6 of the same day files',
      baseline: nativeZipBytes / 1024 ** 2,
      goal: '',
      pass: null,
      note: `unzip -t: ${unzipTest(zip, dir)}`,
    });
  }
  const small = results.small;
  const large = results.large;
  if (large) await dayPartsBench(server, data, large);
  if (small && large) {
    add({
      section: 'Archive',
      name: `peak workerd RSS growth, ${SIZES.weekLarge.toLocaleString('en')}-event week`,
      value: large.peakDelta / 1024 ** 2,
      unit: 'MiB',
      baselineName: `${SIZES.weekSmall.toLocaleString('en')}-event week`,
      baseline: Math.max(1, small.peakDelta / 1024 ** 2),
      goal: '≤ 1.2× (flat)',
      pass: large.peakDelta <= 1.2 * Math.max(small.peakDelta, 1024 ** 2),
    });
    const week = (size: string) => `${size}-event week build`;
    for (const entry of heapFigures(
      'Archive',
      week,
      { size: SIZES.weekSmall.toLocaleString('en'), run: small.heap },
      { size: SIZES.weekLarge.toLocaleString('en'), run: large.heap },
    ))
      add(entry);
    notes.push(await heapSnapshotNote(inspector, `after the ${SIZES.weekLarge.toLocaleString('en')}-event week build`));
  }
  inspector.close();
}

/**
 * The same 1M-event week as the daily crons of that week would build it: each night's cron (00:30
 * UTC, run here with its scheduled time) deflates the day before into a day part; Monday's cron
 * deflates Sunday and then builds the week from the seven parts. The figure with the goal is
 * Monday's run (what the week's end costs); the nightly jobs' sum is the whole work, beside it.
 */
async function dayPartsBench(server: BenchServer, data: Dataset, fromD1: { wall: number; dir: string; sha256: string }): Promise<void> {
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
  const size = SIZES.weekLarge.toLocaleString('en');
  add({
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
  add({
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

async function compareDeflaters(files: Record<string, Uint8Array>): Promise<{ native: number; fflate: number }> {
  const chunked = async function* (bytes: Uint8Array) {
    for (let offset = 0; offset < bytes.byteLength; offset += 640 * 1024) yield bytes.subarray(offset, offset + 640 * 1024);
  };
  const start = performance.now();
  // The bytes are dropped: only the deflater's time is measured.
  const zip = new StreamingZip({
    write: () => {},
    drain: async () => {},
  });
  for (const [name, bytes] of Object.entries(files)) await zip.addEntry(name, new Date('2026-01-05T00:00:00Z'), chunked(bytes));
  await zip.finish();
  const native = (performance.now() - start) / 1000;
  const fflateStart = performance.now();
  await new Promise<void>((resolve, reject) => {
    const archive = new Zip((error, _chunk, final) => (error ? reject(error) : final && resolve()));
    for (const [name, bytes] of Object.entries(files)) {
      const entry = new ZipDeflate(name, { level: DEFLATE_LEVEL });
      archive.add(entry);
      for (let offset = 0; offset < bytes.byteLength; offset += 640 * 1024)
        entry.push(bytes.subarray(offset, offset + 640 * 1024), offset + 640 * 1024 >= bytes.byteLength);
    }
    archive.end();
  });
  return { native, fflate: (performance.now() - fflateStart) / 1000 };
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

async function exportBench(server: BenchServer, data: Dataset): Promise<void> {
  const inspector = await connectInspector(server);
  const small = await exportOnce(server, inspector, data.weekSmall);
  const large = await exportOnce(server, inspector, data.big);
  const sqlite = new DatasetWriter(data.dir);
  const t = performance.now();
  const count = sqlite.query<{ id: string }>(
    'SELECT * FROM audit_events WHERE org_key = ? ORDER BY timestamp DESC, rowid DESC',
    [data.big.key],
    data.big,
  ).length;
  const rawRate = count / ((performance.now() - t) / 1000);
  sqlite.close();
  add({
    section: 'Export',
    name: `CSV rows/s (${large.result.rows.toLocaleString('en')} rows, streamed)`,
    value: large.result.rows / large.wall,
    unit: 'rows/s',
    baselineName: 'SQLite reading the same rows',
    baseline: rawRate,
    goal: '',
    pass: null,
    note: `${(large.result.bytes / 1024 ** 2).toFixed(0)} MiB in ${round(large.wall)} s`,
  });
  const growth = (run: typeof large) => Math.max(1, (run.peakRss - run.baseRss) / 1024 ** 2);
  add({
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
  const rows = (run: typeof large) => run.result.rows.toLocaleString('en');
  for (const entry of heapFigures('Export', csv, { size: rows(small), run: small.heap }, { size: rows(large), run: large.heap }))
    add(entry);
  notes.push(await heapSnapshotNote(inspector, `after the ${rows(large)}-row CSV stream`));
  inspector.close();
}

// ─── Report ───────────────────────────────────────────────────────────────────────────────────
function report(): void {
  const duration = (Date.now() - started) / 1000;
  const header = `# Benchmark results (${quick ? 'quick' : 'full'} run)\n\n${new Date().toISOString()} · ${Math.round(duration)} s · 2 cores, Node ${process.version}, local workerd + D1/R2\n\n`;
  const rows = figures.map(
    (entry) =>
      `| ${entry.section} | ${entry.name} | ${round(entry.value, 2)} ${entry.unit} | ${entry.baselineName}: ${round(entry.baseline, 2)} | ${round(entry.ratio, 2)}× | ${entry.goal || '—'} | ${entry.pass === null ? '' : entry.pass ? 'met' : '**miss**'} | ${entry.note ?? ''} |`,
  );
  const table = [
    '| area | figure | value | baseline (same run) | ratio | goal | verdict | note |',
    '|---|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
  const scaleText = Number.isFinite(scale.bytesPerEvent)
    ? `\n\n## Scale\n\n${Math.round(scale.bytesPerEvent)} bytes per stored event → ${((10 * 1024 ** 3) / scale.bytesPerEvent / 1e6).toFixed(1)} M events per 10 GB D1 database.\n`
    : '';
  const markdown = `${header}${table}\n\n${notes.map((line) => `- ${line}`).join('\n')}${scaleText}`;
  mkdirSync('bench', { recursive: true });
  // A partial run (--only) writes beside the full results instead of replacing them.
  const stem = only === null ? 'bench/results' : `bench/results-${[...only].join('-')}`;
  writeFileSync(`${stem}.md`, `${markdown}\n`);
  writeFileSync(
    `${stem}.json`,
    `${JSON.stringify({ mode: quick ? 'quick' : 'full', finishedAt: new Date().toISOString(), durationSeconds: Math.round(duration), figures, notes, bytesPerEvent: scale.bytesPerEvent }, null, 2)}\n`,
  );
  console.log(`\n${markdown}`);
}

/** A heap-cap figure (heap-cap.ts); a failure is a note, like a failed section. */
async function capped(measure: () => Promise<Figure>): Promise<void> {
  try {
    add(await measure());
  } catch (error) {
    notes.push(`Heap cap failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Each section gets a fresh server, so one section's memory and caches do not skew the next. */
let sectionPort = 8800;
async function section(name: string, data: Dataset, work: (server: BenchServer) => Promise<void>): Promise<void> {
  sectionPort += 1;
  // The inspector port lets the archive and export sections read the isolate's heap (isolate-heap.ts).
  const server = await startServer(data.dir, sectionPort, 'wrangler.toml', { inspectorPort: sectionPort + 1000 });
  try {
    await work(server);
  } catch (error) {
    notes.push(`${name} failed: ${error instanceof Error ? error.message : String(error)}`);
    log(`${name} failed: ${String(error)}`);
  } finally {
    await server.stop();
  }
}

try {
  if (wanted('ingest')) await ingestBench();
  // The large dataset only for the sections that read it.
  const data = ['query', 'export', 'archive', 'dashboard'].some(wanted) ? buildDataset() : null;
  if (data && wanted('query')) await section('Query', data, (server) => queryBench(server, data));
  if (data && wanted('export')) {
    await section('Export', data, (server) => exportBench(server, data));
    await capped(() => exportCapFigure(data.dir, { org: data.weekSmall, rows: SIZES.weekSmall }, { org: data.big, rows: SIZES.big }, 8950));
  }
  if (data && wanted('archive')) {
    await section('Archive', data, (server) => archiveBench(server, data));
    // Servers of their own (one per cap), after the section's server has let go of the files.
    await capped(() =>
      archiveCapFigure(
        data.dir,
        { org: data.weekSmall, events: SIZES.weekSmall },
        { org: data.weekLarge, events: SIZES.weekLarge },
        data.week,
        8950,
      ),
    );
  }
  if (data && wanted('dashboard')) {
    await section('Dashboard', data, async (server) => {
      figures.push(...(await dashboardFigures(server, data.big)));
    });
  }
  if (wanted('webhooks')) {
    try {
      const result = await webhookFigures({ dir: freshDir('webhooks'), port: 8799, ...WEBHOOK_SIZES, now, log });
      for (const entry of result.figures) add(entry);
      notes.push(...result.notes);
    } catch (error) {
      notes.push(`Webhooks failed: ${error instanceof Error ? error.message : String(error)}`);
      log(`Webhooks failed: ${String(error)}`);
    }
  }
} finally {
  report();
}
