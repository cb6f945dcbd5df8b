/** How the sections over the large dataset get their server, and how their failures are kept. */
import type { BenchRun } from './bench-run.ts';
import type { Dataset } from './large-dataset.ts';
import type { Figure } from './measure.ts';
import { type BenchServer, startServer } from './server.ts';

let sectionPort = 8800;

/**
 * Runs `work` against a fresh server on the large dataset, so one section's memory and caches do
 * not skew the next; a failure is a note of the report, and the run goes on.
 */
export async function withSectionServer(
  run: BenchRun,
  name: string,
  data: Dataset,
  work: (server: BenchServer) => Promise<void>,
): Promise<void> {
  sectionPort += 1;
  // The inspector port lets the archive and export sections read the isolate's heap (isolate-heap.ts).
  const server = await startServer(data.dir, sectionPort, 'wrangler.toml', { inspectorPort: sectionPort + 1000 });
  try {
    await work(server);
  } catch (error) {
    run.failed(name, error);
  } finally {
    await server.stop();
  }
}

/** A heap-cap figure (heap-cap.ts); a failure is a note, like a failed section. */
export async function capped(run: BenchRun, measure: () => Promise<Figure>): Promise<void> {
  try {
    run.add(await measure());
  } catch (error) {
    run.notes.push(`Heap cap failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}
