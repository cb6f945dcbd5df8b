// The organization's newest signed checkpoint, for the "Verified through" line of the Audit Logs
// header (docs/INTEGRITY.md, "Checkpoints"). Asked for once per organization view: a filter change
// re-runs the page's load, not this, and moving between the organization's tab and an instance's
// within a minute reuses the answer.
import { api, type Fetch } from '../shell/api.ts';
import type { AuditLogCheckpoint } from '../shell/api-types.ts';

const REUSE_MS = 60_000;
const cache = new Map<string, { at: number; checkpoint: Promise<AuditLogCheckpoint | null> }>();

export const checkpointsPath = (orgId: string) => `/organizations/${encodeURIComponent(orgId)}/audit-log-checkpoints`;

/** The newest checkpoint, or null when none was signed yet; rejects with the API's problem (403 for members). */
export function latestCheckpoint(fetchFn: Fetch, orgId: string): Promise<AuditLogCheckpoint | null> {
  const kept = cache.get(orgId);
  if (kept && Date.now() - kept.at < REUSE_MS) return kept.checkpoint;
  const checkpoint = api<{ checkpoints: AuditLogCheckpoint[] }>(fetchFn, `${checkpointsPath(orgId)}?latest=true`).then(
    (answer) => answer.checkpoints.at(-1) ?? null,
  );
  cache.set(orgId, { at: Date.now(), checkpoint });
  // A failure is never kept: the next view asks again.
  checkpoint.catch(() => {
    if (cache.get(orgId)?.checkpoint === checkpoint) cache.delete(orgId);
  });
  return checkpoint;
}

/** "14:05" for a checkpoint of today, "Nov 24, 14:05" (with the year when not this year's) otherwise. */
export function checkpointTime(iso: string, utc: boolean, now = new Date()): string {
  const date = new Date(iso);
  const zone = utc ? { timeZone: 'UTC' } : {};
  const day = (value: Date) => new Intl.DateTimeFormat('en-CA', { ...zone, dateStyle: 'short' }).format(value);
  const time = { ...zone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' } as const;
  if (day(date) === day(now)) return new Intl.DateTimeFormat(undefined, time).format(date);
  const year = date.getFullYear() === now.getFullYear() ? {} : { year: 'numeric' as const };
  return new Intl.DateTimeFormat(undefined, { ...time, month: 'short', day: 'numeric', ...year }).format(date);
}
