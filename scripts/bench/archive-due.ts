/** Making one organization's week due for archiving on a kept dataset, and waiting for its build. */
import { spawnSync } from 'node:child_process';
import { toolEnv } from '../lib/run.ts';
import type { BenchOrg } from './dataset.ts';
import type { BenchServer } from './server.ts';

/**
 * Deletes the organization's archives and marks the week received after its start, so the next
 * cron run builds exactly this week (through the running server's D1 files in `persistDir`).
 */
export function markWeekDue(persistDir: string, org: BenchOrg, week: { startMs: number; startDate: string }): void {
  const marked = spawnSync(
    'wrangler',
    [
      'd1',
      'execute',
      org.shard,
      '--local',
      '--persist-to',
      persistDir,
      '--command',
      `DELETE FROM archives WHERE organization_id = '${org.id}'; UPDATE event_weeks SET last_received_at = ${week.startMs + 1000} WHERE organization_id = '${org.id}' AND start_date = '${week.startDate}'`,
    ],
    { env: toolEnv, encoding: 'utf8' },
  );
  if (marked.status !== 0) throw new Error(marked.stderr);
}

/** Runs the daily cron (cron → queue → consumer builds what is due). */
export async function runArchiveCron(server: BenchServer): Promise<void> {
  await (await fetch(`${server.url}/__scheduled?cron=${encodeURIComponent('30 0 * * *')}`)).arrayBuffer();
}

/** The organization's newest archive, once listed; throws after `timeoutMs`. */
export async function waitForArchive(
  server: BenchServer,
  org: BenchOrg,
  timeoutMs: number,
): Promise<{ presignedUrl: string; records: number; bytes: number }> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const response = await fetch(`${server.url}/api/v1/organizations/${org.id}/audit-logs-archives`, {
      headers: { authorization: `Bearer ${org.ownerKey}` },
    });
    const body = (await response.json()) as { archives: { presignedUrl: string; records: number; bytes: number }[] };
    if (body.archives[0]) return body.archives[0];
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`no archive for ${org.id} within ${timeoutMs} ms`);
}
