/**
 * The memory proof that needs no sampling: V8's own heap limit. A fresh `wrangler dev` gives every
 * isolate `--max-heap-size=<cap>` (miniflare passes MINIFLARE_WORKERD_V8_FLAGS to workerd); a
 * build that needs more live heap than the cap cannot finish, while garbage does not count (V8
 * collects it before giving up). So the smallest cap under which a week builds bounds the build's
 * live heap from above, even where the inspector's sampler gets few samples from a busy isolate.
 */
import type { BenchOrg } from './dataset.ts';
import { markWeekDue, runArchiveCron, waitForArchive } from './archive-due.ts';
import { figure, round, type Figure } from './measure.ts';
import { startServer } from './server.ts';

export interface CapAttempt {
  capMiB: number;
  built: boolean;
  seconds: number;
}

/**
 * Tries `capsMiB` in ascending order until the week builds within `timeoutMs` (a build at a cap
 * too small for it runs out of heap or thrashes in GC: either way it does not finish in time).
 */
export async function smallestHeapCap(
  persistDir: string,
  org: BenchOrg,
  week: { startMs: number; startDate: string },
  capsMiB: number[],
  timeoutMs: number,
  port: number,
): Promise<{ capMiB: number | null; attempts: CapAttempt[] }> {
  const attempts: CapAttempt[] = [];
  for (const capMiB of capsMiB) {
    markWeekDue(persistDir, org, week);
    const started = performance.now();
    // A cap too small for the runtime itself fails here: that cap is too small too.
    const server = await startServer(persistDir, port, 'wrangler.toml', {
      env: { MINIFLARE_WORKERD_V8_FLAGS: `--max-heap-size=${capMiB}` },
    }).catch(() => null);
    let built = false;
    if (server) {
      try {
        await runArchiveCron(server);
        built = (await waitForArchive(server, org, timeoutMs)).records > 0;
      } catch {
        built = false;
      } finally {
        await server.stop();
      }
    }
    attempts.push({ capMiB, built, seconds: (performance.now() - started) / 1000 });
    if (built) return { capMiB, attempts };
  }
  return { capMiB: null, attempts };
}

const CAPS_MIB = [16, 20, 24, 32, 48];

/** The archive section's heap-cap figure: the 1M-event week's smallest cap beside the 100k week's. */
export async function heapCapFigures(
  persistDir: string,
  small: { org: BenchOrg; events: number },
  large: { org: BenchOrg; events: number },
  week: { startMs: number; startDate: string },
  port: number,
): Promise<Figure[]> {
  // Generous: a build near its cap is slowed by back-to-back collections, and a slow finish still counts.
  const smallRun = await smallestHeapCap(persistDir, small.org, week, CAPS_MIB, 90_000, port);
  // The large week starts at the small week's cap: the question is whether it needs more.
  const fromSmall = CAPS_MIB.filter((cap) => cap >= (smallRun.capMiB ?? Number.POSITIVE_INFINITY));
  const largeRun = await smallestHeapCap(persistDir, large.org, week, fromSmall, 300_000, port);
  const tried = (run: { attempts: CapAttempt[] }) =>
    run.attempts
      .map((attempt) => `${attempt.capMiB} MiB ${attempt.built ? 'built' : 'not built'} (${round(attempt.seconds)} s)`)
      .join(', ');
  const events = (count: number) => `${count.toLocaleString('en')}-event week`;
  const largeCap = largeRun.capMiB ?? Number.POSITIVE_INFINITY;
  const smallCap = smallRun.capMiB ?? Number.POSITIVE_INFINITY;
  return [
    figure({
      section: 'Archive',
      name: `smallest V8 heap cap (--max-heap-size, every isolate) under which the ${events(large.events)} builds`,
      value: largeCap,
      unit: 'MiB',
      baselineName: `the same for the ${events(small.events)}`,
      baseline: smallCap,
      goal: '≤ 48 MiB and ≤ 1.2× (flat)',
      pass: largeCap <= 48 && largeCap <= 1.2 * smallCap,
      note: `caps tried: ${events(small.events)}: ${tried(smallRun)}; ${events(large.events)} (from the small week's cap up): ${tried(largeRun)}. A build's live heap is below the smallest cap it finishes under; garbage does not count.`,
    }),
  ];
}
