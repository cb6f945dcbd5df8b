/** Small statistics and HTTP timing helpers for the benchmark. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}

export const median = (values: number[]) => percentile(values, 50);

export async function timedFetch(url: string, init: RequestInit = {}): Promise<{ ms: number; status: number; body: string }> {
  const started = performance.now();
  const response = await fetch(url, init);
  const body = await response.text();
  return { ms: performance.now() - started, status: response.status, body };
}

/** p50/p95 of `repeat` sequential runs after `warmup` unmeasured ones; fails on a non-2xx answer. */
export async function latency(
  repeat: number,
  warmup: number,
  run: () => Promise<{ ms: number; status: number; body: string }>,
): Promise<{ p50: number; p95: number }> {
  const samples: number[] = [];
  for (let index = 0; index < warmup + repeat; index += 1) {
    const result = await run();
    if (result.status >= 300) throw new Error(`request failed: ${result.status} ${result.body.slice(0, 300)}`);
    if (index >= warmup) samples.push(result.ms);
  }
  return { p50: median(samples), p95: percentile(samples, 95) };
}

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
