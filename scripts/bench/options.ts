/** The command line of `npm run bench`. */
import type { BenchOptions } from './bench-run.ts';

const SECTIONS = ['ingest', 'query', 'export', 'archive', 'dashboard', 'webhooks', 'streams', 'sign-in', 'integrity', 'restore', 'move'];

export const USAGE = `npm run bench [-- options]

Every figure beside a baseline measured in the same run; writes bench/results.md and .json
(a run with --only writes bench/results-<sections>.md and .json instead).

  --quick            smaller datasets (100k-event organizations instead of 1M)
  --only a,b         run only these sections: ${SECTIONS.join(', ')}
  --reuse            keep the large dataset of the previous run (bench/tmp/dataset) of the same size
  --help             this text`;

/** The options of `argv` (without node and the script), or 'help' when the usage was asked for. */
export function parseBenchOptions(argv: string[]): BenchOptions | 'help' {
  if (argv.includes('--help') || argv.includes('-h')) return 'help';
  const quick = argv.includes('--quick');
  const onlyIndex = argv.indexOf('--only');
  return {
    quick,
    only: onlyIndex >= 0 ? new Set((argv[onlyIndex + 1] ?? '').split(',')) : null,
    reuse: argv.includes('--reuse'),
    sizes: quick
      ? { big: 100_000, others: 100_000, weekSmall: 20_000, weekLarge: 100_000, ingest: 20_000, repeat: 15 }
      : { big: 1_000_000, others: 1_000_000, weekSmall: 100_000, weekLarge: 1_000_000, ingest: 100_000, repeat: 40 },
    webhookSizes: quick ? { events: 2_000, latencySamples: 20 } : { events: 10_000, latencySamples: 50 },
    streamSizes: quick ? { events: 10_000, latencySamples: 40 } : { events: 100_000, latencySamples: 100 },
  };
}
