/**
 * The R2 bucket lock rule that makes archives write-once (docs/OPERATIONS.md, "Write-once
 * archives"): pure, so the command `npm run deploy` runs is unit-tested (test/archive-write-once.test.ts).
 * Archives live under `orgs/<orgId>/archives/`; a lock rule takes one fixed prefix, so it covers
 * `orgs/`, which holds nothing but archives (day parts, working files, are under `archive-days/`).
 */

/** The prefix every archive object's key starts with (services/archive/storage.ts, archiveKeys). */
export const ARCHIVE_LOCK_PREFIX = 'orgs/';
export const ARCHIVE_LOCK_RULE = 'archives-write-once';

export type LockRetention = { days: number } | 'indefinite';

/**
 * The longest archive retention in use: an organization without settings, or with
 * archiveRetentionDays 0, keeps its archives forever, and then so does the lock.
 * `organizations`: how many there are; `finiteDays`: archive_retention_days of those that set one (> 0).
 */
export function longestArchiveRetention(organizations: number, finiteDays: readonly number[]): LockRetention {
  if (finiteDays.length < organizations || finiteDays.length === 0) return 'indefinite';
  return { days: Math.max(...finiteDays) };
}

/** `wrangler r2 bucket lock add <bucket> <rule> <prefix> …` (flags as `wrangler r2 bucket lock add --help` lists them). */
export function bucketLockArgs(bucket: string, retention: LockRetention): string[] {
  if (retention !== 'indefinite' && (!Number.isInteger(retention.days) || retention.days < 1)) {
    throw new RangeError(`A lock's retention is a whole number of days ≥ 1, not ${retention.days}`);
  }
  const keep = retention === 'indefinite' ? ['--retention-indefinite'] : ['--retention-days', String(retention.days)];
  return ['r2', 'bucket', 'lock', 'add', bucket, ARCHIVE_LOCK_RULE, ARCHIVE_LOCK_PREFIX, ...keep, '--force'];
}

/** The archives bucket's name: the bucket_name of the ARCHIVES binding in wrangler.toml's text. */
export function archiveBucketName(wranglerToml: string): string {
  for (const block of wranglerToml.split(/^\[\[r2_buckets\]\]\s*$/m).slice(1)) {
    const body = block.split(/^\[/m)[0] ?? '';
    if (/^binding\s*=\s*"ARCHIVES"/m.test(body)) {
      const name = /^bucket_name\s*=\s*"([^"]+)"/m.exec(body)?.[1];
      if (name) return name;
    }
  }
  throw new Error('wrangler.toml has no [[r2_buckets]] entry with binding = "ARCHIVES"');
}

/** Whether `wrangler r2 bucket lock list <bucket>` printed our rule (a rerun of deploy then adds no second one). */
export function lockRuleListed(listOutput: string): boolean {
  return new RegExp(`(^|\\s)${ARCHIVE_LOCK_RULE}(\\s|$)`, 'm').test(listOutput);
}
