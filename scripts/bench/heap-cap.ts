/**
 * The memory proof that needs no sampling: V8's own heap limit. A fresh `wrangler dev` gives every
 * isolate `--max-heap-size=<cap>` (miniflare passes MINIFLARE_WORKERD_V8_FLAGS to workerd); work
 * that needs more live heap than the cap cannot finish, while garbage does not count (V8 collects
 * it before giving up). So the smallest cap under which an archive build or an export finishes
 * bounds its live heap from above, even where the inspector's sampler gets few samples from a
 * busy isolate, and whatever garbage V8 let pile up while it had room.
 */

import { markWeekDue, runArchiveCron, waitForArchive } from './archive-due.ts';
import type { BenchOrg } from './dataset.ts';
import { type Figure, figure, round } from './measure.ts';
import { type BenchServer, startServer } from './server.ts';

interface CapAttempt {
  capMiB: number;
  done: boolean;
  seconds: number;
}

const CAPS_MIB = [16, 20, 24, 32, 48];

/**
 * Tries `capsMiB` in ascending order, each on a fresh server, until `work` succeeds within
 * `timeoutMs` (work near or over its cap runs out of heap or thrashes in GC: either way it does
 * not finish in time, and a slow finish still counts).
 */
async function smallestCap(
  persistDir: string,
  port: number,
  capsMiB: number[],
  timeoutMs: number,
  work: (server: BenchServer) => Promise<boolean>,
): Promise<{ capMiB: number | null; attempts: CapAttempt[] }> {
  const attempts: CapAttempt[] = [];
  for (const capMiB of capsMiB) {
    const started = performance.now();
    // A cap too small for the runtime itself fails here: that cap is too small too.
    const server = await startServer(persistDir, port, 'wrangler.toml', {
      env: { MINIFLARE_WORKERD_V8_FLAGS: `--max-heap-size=${capMiB}` },
    }).catch(() => null);
    let done = false;
    if (server) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      });
      try {
        done = await Promise.race([work(server).catch(() => false), timeout]);
      } finally {
        clearTimeout(timer);
        await server.stop();
      }
    }
    attempts.push({ capMiB, done, seconds: (performance.now() - started) / 1000 });
    if (done) return { capMiB, attempts };
  }
  return { capMiB: null, attempts };
}

/** The small job's smallest cap, then the large job's from there up: does it need more? */
async function capFigure(
  persistDir: string,
  port: number,
  what: string,
  small: { label: string; timeoutMs: number; work: (server: BenchServer) => Promise<boolean> },
  large: { label: string; timeoutMs: number; work: (server: BenchServer) => Promise<boolean> },
): Promise<Figure> {
  const smallRun = await smallestCap(persistDir, port, CAPS_MIB, small.timeoutMs, small.work);
  const fromSmall = CAPS_MIB.filter((cap) => cap >= (smallRun.capMiB ?? Number.POSITIVE_INFINITY));
  const largeRun = await smallestCap(persistDir, port, fromSmall, large.timeoutMs, large.work);
  const tried = (run: { attempts: CapAttempt[] }) =>
    run.attempts.map((attempt) => `${attempt.capMiB} MiB ${attempt.done ? 'done' : 'not done'} (${round(attempt.seconds)} s)`).join(', ');
  const largeCap = largeRun.capMiB ?? Number.POSITIVE_INFINITY;
  const smallCap = smallRun.capMiB ?? Number.POSITIVE_INFINITY;
  return figure({
    section: what === 'build' ? 'Archive' : 'Export',
    name: `smallest V8 heap cap (--max-heap-size, every isolate) under which the ${large.label} ${what} finishes`,
    value: largeCap,
    unit: 'MiB',
    baselineName: `the same for the ${small.label}`,
    baseline: smallCap,
    goal: '≤ 48 MiB and ≤ 1.2× (flat)',
    pass: largeCap <= 48 && largeCap <= 1.2 * smallCap,
    note: `caps tried: ${small.label}: ${tried(smallRun)}; ${large.label} (from the smaller one's cap up): ${tried(largeRun)}. Live heap stays below the smallest cap the work finishes under; garbage does not count.`,
  });
}

/** The archive section's heap-cap figure: the 1M-event week's smallest cap beside the 100k week's. */
export function archiveCapFigure(
  persistDir: string,
  small: { org: BenchOrg; events: number },
  large: { org: BenchOrg; events: number },
  week: { endMs: number; startDate: string },
  port: number,
): Promise<Figure> {
  const build = (org: BenchOrg) => async (server: BenchServer) => {
    markWeekDue(persistDir, org, week);
    await runArchiveCron(server);
    return (await waitForArchive(server, org, 60 * 60_000)).records > 0;
  };
  const label = (count: number) => `${count.toLocaleString('en')}-event week`;
  // Generous timeouts: a build near its cap is slowed by back-to-back collections.
  return capFigure(
    persistDir,
    port,
    'build',
    { label: label(small.events), timeoutMs: 90_000, work: build(small.org) },
    { label: label(large.events), timeoutMs: 300_000, work: build(large.org) },
  );
}

/** Streams an organization's whole CSV export; true when every row arrived. */
async function exportAll(server: BenchServer, org: BenchOrg, rows: number): Promise<boolean> {
  const response = await fetch(`${server.url}/api/v1/organizations/${org.id}/csv-audit-logs`, {
    headers: { authorization: `Bearer ${org.ownerKey}` },
  });
  if (!response.ok || !response.body) return false;
  let lines = 0;
  for await (const chunk of response.body) for (const byte of chunk) if (byte === 10) lines += 1;
  // The header line, and the organization's rows (each export also records one platform event).
  return lines - 1 >= rows;
}

/** The export section's heap-cap figure: a 1M-row CSV export's smallest cap beside a 100k-row one's. */
export function exportCapFigure(
  persistDir: string,
  small: { org: BenchOrg; rows: number },
  large: { org: BenchOrg; rows: number },
  port: number,
): Promise<Figure> {
  const label = (count: number) => `${count.toLocaleString('en')}-row CSV`;
  return capFigure(
    persistDir,
    port,
    'export',
    { label: label(small.rows), timeoutMs: 120_000, work: (server) => exportAll(server, small.org, small.rows) },
    { label: label(large.rows), timeoutMs: 600_000, work: (server) => exportAll(server, large.org, large.rows) },
  );
}
