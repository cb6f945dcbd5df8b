/**
 * The demo's first archive run: right after seeding, so the dashboard's Archive dialog lists the
 * demo's closed weeks on the first visit instead of waiting for the nightly cron.
 */
import { ApiClient } from './api-client.ts';
import { archiveWeeks } from './archive-run.ts';
import { type ClosedWeek, closedWeeksWithEvents } from './closed-weeks.ts';
import { DEMO_STATE_FILE, type DemoState, writeDemoState } from './seed-demo.ts';

/** The server stamps receipt before we see the response; this covers clock granularity. */
const MARGIN_MS = 250;

export interface DemoArchiveOptions {
  baseUrl: string;
  demo: DemoState;
  /** The server's ARCHIVE_SETTLE_SECONDS: events younger than that are left for a later run. */
  settleSeconds: number;
  timeoutMs?: number;
  stateFile?: string;
  log: (line: string) => void;
}

/**
 * Waits until the seed's newest events have settled, runs the daily cron and waits until every
 * closed demo week with events is archived; then notes it in the demo state, so later starts
 * skip it. Returns the weeks archived.
 */
export async function archiveDemoWeeks(options: DemoArchiveOptions): Promise<ClosedWeek[]> {
  const { baseUrl, demo, log } = options;
  const wait = (demo.completedAt ?? 0) + options.settleSeconds * 1000 + MARGIN_MS - Date.now();
  if (wait > 0) {
    log(
      `Waiting ${(wait / 1000).toFixed(1)} s until the demo events are old enough to archive (ARCHIVE_SETTLE_SECONDS=${options.settleSeconds})…`,
    );
    await new Promise((done) => setTimeout(done, wait));
  }
  const client = new ApiClient(baseUrl, demo.ownerApiKey);
  const weeks = await closedWeeksWithEvents(client, demo.organizationId);
  log(`Running the daily archive cron for ${weeks.length} closed demo week${weeks.length === 1 ? '' : 's'}…`);
  await archiveWeeks({ baseUrl, client, weeks, timeoutMs: options.timeoutMs ?? 60_000 });
  writeDemoState({ ...demo, archivedAt: Date.now() }, options.stateFile ?? DEMO_STATE_FILE);
  return weeks;
}
