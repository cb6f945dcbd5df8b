/** Making one organization's week due for archiving on a kept dataset, and waiting for its build. */
import { spawnSync } from 'node:child_process';
import { DEFAULT_PAGE_SIZE } from '../../worker/services/archive/build.ts';
import { dayPartKeys } from '../../worker/services/archive/day-parts.ts';
import { toolEnv } from '../lib/run.ts';
import { type BenchOrg, DatasetWriter } from './dataset.ts';
import type { BenchServer } from './server.ts';

/**
 * Deletes the organization's archives and marks the week's last event received at its end (as
 * live traffic would), so the next cron run builds exactly this week (through the running
 * server's D1 files in `persistDir`).
 */
export function markWeekDue(persistDir: string, org: BenchOrg, week: { endMs: number; startDate: string }): void {
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
      `DELETE FROM archives WHERE organization_id = '${org.id}'; UPDATE event_weeks SET last_received_at = ${week.endMs} WHERE organization_id = '${org.id}' AND start_date = '${week.startDate}'`,
    ],
    { env: toolEnv, encoding: 'utf8' },
  );
  if (marked.status !== 0) throw new Error(marked.stderr);
}

/**
 * Runs the daily cron (cron → queue → consumer builds what is due), as scheduled `at` when given
 * (miniflare's own trigger takes a time; wrangler's `/__scheduled` does not).
 */
export async function runArchiveCron(server: BenchServer, at?: number): Promise<void> {
  const cron = encodeURIComponent('30 0 * * *');
  const url = at === undefined ? `${server.url}/__scheduled?cron=${cron}` : `${server.url}/cdn-cgi/local/scheduled?cron=${cron}&time=${at}`;
  const response = await fetch(url);
  const body = await response.text();
  if (!response.ok) throw new Error(`cron trigger answered ${response.status}: ${body.slice(0, 200)}`);
}

/** The organization's newest archive, once listed; throws after `timeoutMs`. */
export async function waitForArchive(
  server: BenchServer,
  org: BenchOrg,
  timeoutMs: number,
  /** Run between polls (the probe takes a heap snapshot mid-build). */
  betweenPolls: () => Promise<void> = async () => {},
): Promise<{ presignedUrl: string; records: number; bytes: number; sha256: string }> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const response = await fetch(`${server.url}/api/v1/organizations/${org.id}/audit-logs-archives`, {
      headers: { authorization: `Bearer ${org.ownerKey}` },
    });
    const body = (await response.json()) as { archives: { presignedUrl: string; records: number; bytes: number; sha256: string }[] };
    if (body.archives[0]) return body.archives[0];
    await betweenPolls();
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`no archive for ${org.id} within ${timeoutMs} ms`);
}

/**
 * Deletes the week's day parts (worker/services/archive/day-parts.ts) from the local bucket, so
 * the next build reads every day from D1. Only the summaries go (a part without one is never
 * used); their keys name each day's fingerprint, read here from the organization's shard.
 */
export function deleteDayParts(
  persistDir: string,
  org: BenchOrg,
  week: { days: { date: string; startMs: number; endMs: number }[] },
): void {
  const dataset = new DatasetWriter(persistDir);
  const keys: string[] = [];
  try {
    const fingerprint = dataset
      .database(org.shard)
      .prepare(
        'SELECT count(*) AS records, coalesce(max(sequence), 0) AS maxSequence FROM audit_events WHERE org_key = ? AND timestamp >= ? AND timestamp < ?',
      );
    for (const day of week.days) {
      const row = fingerprint.get(org.key, day.startMs, day.endMs) as { records: number; maxSequence: number };
      if (row.records > 0) keys.push(dayPartKeys(org.id, day.date, DEFAULT_PAGE_SIZE, row).summary);
    }
  } finally {
    dataset.close();
  }
  for (const key of keys) {
    const deleted = spawnSync('wrangler', ['r2', 'object', 'delete', `audit-log-archives/${key}`, '--local', '--persist-to', persistDir], {
      env: toolEnv,
      encoding: 'utf8',
    });
    if (deleted.status !== 0) throw new Error(deleted.stderr);
  }
}

/** The `ms` of the first consumer log line from index `since` on for this organization with `marker`. */
export async function waitForJobLog(
  server: BenchServer,
  org: BenchOrg,
  marker: string,
  since: number,
  timeoutMs: number,
): Promise<{ ms: number; line: string }> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const line = server.logs.slice(since).find((entry) => entry.includes(marker) && entry.includes(org.id) && entry.includes('"ms":'));
    if (line) return { ms: Number(/"ms":(\d+)/.exec(line)?.[1]), line };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no log line with ${marker} for ${org.id} within ${timeoutMs} ms`);
}
