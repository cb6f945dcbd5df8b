/**
 * The memory proof of the archive and export sections: the Worker isolate's heap (through the
 * inspector, see inspector.ts) while a workload runs, as figures beside the same workload at a
 * tenth of the size. Production gives an isolate 128 MB; the goal leaves room for everything else.
 */
import { type HeapSampled, heapSnapshotSummary, Inspector } from './inspector.ts';
import { type Figure, figure } from './measure.ts';
import type { BenchServer } from './server.ts';

const PEAK_HEAP_GOAL_MIB = 48;
const MiB = 1024 ** 2;

export async function connectInspector(server: BenchServer): Promise<Inspector> {
  if (!server.inspectorPort) throw new Error('the server was started without an inspector port');
  return Inspector.connect(server.inspectorPort, async () => (await fetch(`${server.url}/api/v1/me`)).arrayBuffer());
}

export type HeapRun = Omit<HeapSampled<unknown>, 'result'>;

const mib = (bytes: number) => bytes / MiB;
// The isolate answers the inspector between turns of its work; a build that keeps it busy answers
// rarely, and then the sampled peak is only a lower bound. The note says so.
const MIN_SAMPLES = 20;
const detail = (run: HeapRun) =>
  `${run.samples < MIN_SAMPLES ? 'LOWER BOUND (the busy isolate answered few samples); ' : ''}before ${mib(run.baseUsed).toFixed(1)} MiB, retained after (full GC) ${mib(run.retainedAfter).toFixed(1)} MiB, peak ArrayBuffers ${mib(run.peakBacking).toFixed(1)} MiB, ${run.samples} samples`;

/** Peak used heap of the small and the large run: each against its baseline, with the goals. */
export function heapFigures(
  section: string,
  what: (size: string) => string,
  small: { size: string; run: HeapRun },
  large: { size: string; run: HeapRun },
): Figure[] {
  return [
    figure({
      section,
      name: `peak isolate heap (usedSize), ${what(small.size)}`,
      value: mib(small.run.peakUsed),
      unit: 'MiB',
      baselineName: 'idle heap before it (full GC)',
      baseline: mib(small.run.baseUsed),
      goal: `≤ ${PEAK_HEAP_GOAL_MIB} MiB`,
      pass: mib(small.run.peakUsed) <= PEAK_HEAP_GOAL_MIB,
      note: detail(small.run),
    }),
    figure({
      section,
      name: `peak isolate heap (usedSize), ${what(large.size)}`,
      value: mib(large.run.peakUsed),
      unit: 'MiB',
      baselineName: what(small.size),
      baseline: mib(small.run.peakUsed),
      goal: `≤ ${PEAK_HEAP_GOAL_MIB} MiB and ≤ 1.2× (flat)`,
      pass: mib(large.run.peakUsed) <= PEAK_HEAP_GOAL_MIB && large.run.peakUsed <= 1.2 * small.run.peakUsed,
      note: detail(large.run),
    }),
    figure({
      section,
      name: `isolate heap retained after ${what(large.size)} (full GC)`,
      value: mib(large.run.retainedAfter),
      unit: 'MiB',
      baselineName: 'before it (full GC)',
      baseline: mib(large.run.baseUsed),
      goal: '≤ 1.2× (nothing kept)',
      pass: large.run.retainedAfter <= 1.2 * large.run.baseUsed,
    }),
  ];
}

/** The biggest kinds of object left in the isolate, as one note line. */
export async function heapSnapshotNote(inspector: Inspector, label: string): Promise<string> {
  const summary = await heapSnapshotSummary(inspector);
  const groups = summary.groups.map((group) => `${group.name} ${mib(group.bytes).toFixed(1)} MiB (${group.count.toLocaleString('en')})`);
  return `Heap snapshot ${label}: ${mib(summary.total).toFixed(1)} MiB in all; biggest: ${groups.join(', ')}.`;
}
