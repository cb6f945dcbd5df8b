/**
 * `npm run deploy` runs this last: sets the R2 bucket lock rule that makes archive objects
 * write-once for the longest archive retention in use (docs/OPERATIONS.md, "Write-once archives").
 * `--retention-days N` or `--retention-indefinite` overrides what the main database says;
 * `--dry-run` prints the wrangler command without running it.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ARCHIVE_LOCK_RULE,
  archiveBucketName,
  bucketLockArgs,
  type LockRetention,
  lockRuleListed,
  longestArchiveRetention,
} from './lib/bucket-lock.ts';
import { ROOT, run, toolEnv } from './lib/run.ts';

const argv = process.argv.slice(2);
const flag = (name: string) => argv.indexOf(name);

/** Organizations and their finite archive retentions, from the deployed main database. */
function retentionInUse(): LockRetention {
  const sql =
    'SELECT (SELECT count(*) FROM organizations) AS organizations, archive_retention_days AS days FROM organization_settings WHERE archive_retention_days > 0 UNION ALL SELECT (SELECT count(*) FROM organizations), NULL';
  const out = execFileSync('wrangler', ['d1', 'execute', 'DB', '--remote', '--json', '--command', sql], {
    cwd: ROOT,
    env: toolEnv,
    encoding: 'utf8',
  });
  const rows = (JSON.parse(out) as { results: { organizations: number; days: number | null }[] }[])[0]?.results ?? [];
  const organizations = rows[0]?.organizations ?? 0;
  return longestArchiveRetention(
    organizations,
    rows.flatMap((row) => (row.days === null ? [] : [row.days])),
  );
}

function retention(): LockRetention {
  if (flag('--retention-indefinite') >= 0) return 'indefinite';
  const days = flag('--retention-days');
  if (days >= 0) return { days: Number(argv[days + 1]) };
  return retentionInUse();
}

const bucket = archiveBucketName(readFileSync(join(ROOT, 'wrangler.toml'), 'utf8'));
const args = bucketLockArgs(bucket, retention());
console.log(`wrangler ${args.join(' ')}`);
if (flag('--dry-run') < 0) {
  const listed = execFileSync('wrangler', ['r2', 'bucket', 'lock', 'list', bucket], { cwd: ROOT, env: toolEnv, encoding: 'utf8' });
  if (lockRuleListed(listed)) {
    // A lock is only ever lengthened by hand: `wrangler r2 bucket lock remove` is an operator's decision, not a deploy's.
    console.log(`Lock rule ${ARCHIVE_LOCK_RULE} already set on ${bucket}; left as it is (docs/OPERATIONS.md, "Write-once archives").`);
  } else await run('wrangler', args);
}
