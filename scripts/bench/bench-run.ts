/**
 * What every section of one `npm run bench` shares: the options it was started with, the figures
 * and notes the report is made of, the log, and the scratch folders under bench/tmp.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { type Figure, figure, round } from './measure.ts';

export const DAY = 86_400_000;
export const ROOT = join('bench', 'tmp');

/** Events per organization of the generated datasets, and samples per latency figure. */
export interface BenchSizes {
  big: number;
  others: number;
  weekSmall: number;
  weekLarge: number;
  ingest: number;
  repeat: number;
}

export interface BenchOptions {
  quick: boolean;
  /** The sections of `--only`, or null for every section. */
  only: Set<string> | null;
  /** `--reuse`: keep the previous run's large dataset (bench/tmp/dataset) instead of rebuilding it. */
  reuse: boolean;
  sizes: BenchSizes;
  webhookSizes: { events: number; latencySamples: number };
  /** Events of the streams section's throughput and catch-up runs, and its latency samples. */
  streamSizes: { events: number; latencySamples: number };
}

export const log = (line: string) => console.log(`[bench] ${line}`);

export class BenchRun {
  readonly options: BenchOptions;
  readonly figures: Figure[] = [];
  readonly notes: string[] = [];
  readonly started = Date.now();
  /** The moment every section's generated events are placed relative to. */
  readonly now = Date.now();
  /** Bytes per stored event, measured when the large dataset is generated (NaN when it is reused). */
  bytesPerEvent = Number.NaN;

  constructor(options: BenchOptions) {
    this.options = options;
  }

  get sizes(): BenchSizes {
    return this.options.sizes;
  }

  wanted(section: string): boolean {
    return this.options.only === null || this.options.only.has(section);
  }

  /** Records a figure and logs it with its baseline and ratio. */
  add(entry: Parameters<typeof figure>[0]): void {
    const result = figure(entry);
    this.figures.push(result);
    log(
      `${result.section} · ${result.name}: ${round(result.value, 2)} ${result.unit} (baseline ${result.baselineName} ${round(result.baseline, 2)}; ratio ${round(result.ratio, 2)}×)${result.pass === false ? ' MISS' : ''}`,
    );
  }

  /** A failed section is a note of the report (the run goes on with the next section). */
  failed(name: string, error: unknown): void {
    this.notes.push(`${name} failed: ${error instanceof Error ? error.message : String(error)}`);
    log(`${name} failed: ${String(error)}`);
  }
}

/** An empty scratch folder bench/tmp/<name>. */
export function freshDir(name: string): string {
  const dir = join(ROOT, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}
