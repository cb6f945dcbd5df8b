/** Small statistics and HTTP timing helpers for the benchmark. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}

export const median = (values: number[]) => percentile(values, 50);

export interface Timed {
  ms: number;
  status: number;
  body: string;
  /** Seconds of a 429's Retry-After, else null. */
  retryAfter: number | null;
}

export async function timedFetch(url: string, init: RequestInit = {}): Promise<Timed> {
  const started = performance.now();
  const response = await fetch(url, init);
  const body = await response.text();
  const retryAfter = response.status === 429 ? Number(response.headers.get('retry-after') ?? '1') : null;
  return { ms: performance.now() - started, status: response.status, body, retryAfter };
}

/**
 * p50/p95 of `repeat` sequential runs after `warmup` unmeasured ones, `pauseMs` apart (a client
 * polling rather than one hammering); fails on a non-2xx answer. A 429 is what a polite client
 * meets on free text (the organization's time budget): it waits Retry-After and tries again, and
 * the refused attempt is not a sample.
 */
export async function latency(
  repeat: number,
  warmup: number,
  run: () => Promise<Timed>,
  pauseMs = 0,
): Promise<{ p50: number; p95: number }> {
  const samples: number[] = [];
  for (let index = 0; index < warmup + repeat; index += 1) {
    if (pauseMs > 0 && index > 0) await sleep(pauseMs);
    const result = await run();
    if (result.retryAfter !== null) {
      await sleep(result.retryAfter * 1000);
      index -= 1;
      continue;
    }
    if (result.status >= 300) throw new Error(`request failed: ${result.status} ${result.body.slice(0, 300)}`);
    if (index >= warmup) samples.push(result.ms);
  }
  return { p50: median(samples), p95: percentile(samples, 95) };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface Figure {
  section: string;
  name: string;
  value: number;
  unit: string;
  baselineName: string;
  baseline: number;
  /** value / baseline. */
  ratio: number;
  goal: string;
  /** null when the figure has no goal. */
  pass: boolean | null;
  note?: string;
}

export function figure(entry: Omit<Figure, 'ratio'>): Figure {
  return { ...entry, ratio: entry.value / entry.baseline };
}

export const round = (value: number, digits = 1) => (Number.isFinite(value) ? Number(value.toFixed(digits)) : value);
