/**
 * The recovery drill's steps (scripts/drill.ts, docs/OPERATIONS.md "Recovery drill"): what an
 * operator would do by hand, against a local server and its local D1 state: wrangler for the
 * database, the public API for everything else, the standalone verifier for the proof.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ApiClient } from './api-client.ts';
import { ROOT, toolEnv } from './run.ts';

const DAY_MS = 86_400_000;

/** `wrangler d1 execute <binding> --local --json --command <sql>`: the rows of its one statement. */
function d1Local<T>(binding: string, sql: string, persistTo?: string): T[] {
  const args = ['d1', 'execute', binding, '--local', '--json', '--command', sql, ...(persistTo ? ['--persist-to', persistTo] : [])];
  const result = spawnSync('wrangler', args, { cwd: ROOT, env: toolEnv, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`wrangler ${args.slice(0, 4).join(' ')} failed: ${result.stderr || result.stdout}`);
  return (JSON.parse(result.stdout) as { results: T[] }[])[0]?.results ?? [];
}

/** SQL text literal (the drill's values are ids and dates it read itself; quoted all the same). */
const literal = (value: string) => `'${value.replaceAll("'", "''")}'`;

export function shardOf(organizationId: string, persistTo?: string): string {
  const [row] = d1Local<{ shard: string }>('DB', `SELECT shard FROM organizations WHERE id = ${literal(organizationId)}`, persistTo);
  if (!row) throw new Error(`Organization ${organizationId} is not in the main database.`);
  return row.shard;
}

/** The organization's rows of these weeks, deleted from its shard: what losing them looks like. Returns how many. */
export function deleteWeekRows(shard: string, organizationId: string, weeks: readonly string[], persistTo?: string): number {
  const ranges = weeks
    .map((week) => {
      const start = Date.parse(`${week}T00:00:00Z`);
      return `(timestamp >= ${start} AND timestamp < ${start + 7 * DAY_MS})`;
    })
    .join(' OR ');
  const orgKey = `(SELECT org_key FROM organization_sequences WHERE organization_id = ${literal(organizationId)})`;
  const deleted = d1Local<{ id: string }>(
    shard,
    `DELETE FROM audit_events WHERE org_key = ${orgKey} AND (${ranges}) RETURNING id`,
    persistTo,
  );
  return deleted.length;
}

interface StreamPage {
  items: { sequence: number }[];
  lastSequence: number;
  hasMore: boolean;
}

/** Every event of the organization by the incremental stream, one JSON line each (what a SIEM importer keeps). */
async function streamLines(client: ApiClient, organizationId: string): Promise<string[]> {
  const lines: string[] = [];
  let after = 0;
  for (;;) {
    const page = await client.get<StreamPage>(
      `/api/v1/organizations/${encodeURIComponent(organizationId)}/audit-log-stream?afterSequence=${after}&limit=1000`,
    );
    for (const item of page.items) lines.push(JSON.stringify(item));
    if (!page.hasMore || page.items.length === 0) return lines;
    after = page.lastSequence;
  }
}

export interface RecordProof {
  events: number;
  /** The first event's sequence: 1 for a record complete from its start. */
  firstSequence: number | null;
  /** Whole: the verifier passed on a copy that starts at sequence 1 (a copy starting at a checkpoint also verifies, as an increment). */
  whole: boolean;
  /** The verifier's exit code: 0 when every sequence is there once, every hash and the chain match the signed checkpoints. */
  exitCode: number;
  output: string;
}

/**
 * The organization's whole record, streamed, then checked by the standalone verifier
 * (`npm run verify -- --stream`) against its signed checkpoints and the archive public key.
 */
export async function proveRecord(client: ApiClient, organizationId: string, folder: string): Promise<RecordProof> {
  const lines = await streamLines(client, organizationId);
  const events = join(folder, 'events.ndjson');
  const checkpoints = join(folder, 'checkpoints.json');
  const key = join(folder, 'public-key.pem');
  writeFileSync(events, lines.length > 0 ? `${lines.join('\n')}\n` : '');
  const listed = await client.get<unknown>(`/api/v1/organizations/${encodeURIComponent(organizationId)}/audit-log-checkpoints`);
  writeFileSync(checkpoints, JSON.stringify(listed));
  writeFileSync(key, (await client.get<{ pem: string }>('/api/v1/audit-logs-archives/public-key')).pem);
  const verify = spawnSync(
    process.execPath,
    [join(ROOT, 'scripts/verify.ts'), '--stream', events, '--checkpoints', checkpoints, '--public-key', key],
    { cwd: ROOT, env: toolEnv, encoding: 'utf8' },
  );
  const first = lines[0] === undefined ? null : (JSON.parse(lines[0]) as { sequence: number }).sequence;
  const exitCode = verify.status ?? 1;
  return {
    events: lines.length,
    firstSequence: first,
    whole: exitCode === 0 && first === 1,
    exitCode,
    output: `${verify.stdout}${verify.stderr}`.trim(),
  };
}
