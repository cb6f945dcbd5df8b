/**
 * `npm run test:load [-- --clients 8 --seconds 30]`: concurrent clients ingest against a real
 * `wrangler dev` for a fixed time, retrying on 429, 5xx and dropped connections with the SAME event
 * ids (at-least-once delivery, as real senders do). Afterwards every acknowledged id must be stored
 * exactly once and nothing unacknowledged may appear twice. Exits 1 on any loss or duplicate.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ulid } from 'ulid';
import { DatasetWriter } from '../bench/dataset.ts';
import { applyMigrations, startServer } from '../bench/server.ts';

const argument = (name: string, fallback: number) => {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? Number(process.argv[index + 1]) : fallback;
};
const CLIENTS = argument('clients', 16);
const SECONDS = argument('seconds', 20);
const BATCH = argument('batch', 5);
const PORT = argument('port', 8795);

const dir = join('bench', 'tmp', 'load');
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
applyMigrations(dir);
const setup = new DatasetWriter(dir);
const org = setup.organization('load', Date.now());
// One shared key: the clients together exceed its rate budget, so 429s and retries really happen.
setup.close();
const server = await startServer(dir, PORT);

const acknowledged = new Set<string>();
const counters = { requests: 0, accepted: 0, duplicates: 0, rateLimited: 0, serverErrors: 0, aborted: 0, retries: 0 };
const deadline = Date.now() + SECONDS * 1000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function batch(): object[] {
  return Array.from({ length: BATCH }, () => ({
    id: ulid(),
    timestamp: new Date(Date.now() - Math.floor(Math.random() * 3_600_000)).toISOString(),
    action: 'sync',
    actor: { type: 'service', id: 'load-test' },
    object: { type: 'argocd_application', id: { name: `app-${Math.floor(Math.random() * 100)}` } },
    details: { message: 'load' },
  }));
}

/** Sends one batch until it is acknowledged (201), with the same ids on every attempt. */
async function deliver(items: object[]): Promise<void> {
  const body = JSON.stringify({ items });
  for (let attempt = 0; ; attempt += 1) {
    if (attempt > 0) counters.retries += 1;
    counters.requests += 1;
    // 3% of attempts drop the connection early: the server may or may not have committed.
    const abort = new AbortController();
    const dropped = Math.random() < 0.03;
    if (dropped) setTimeout(() => abort.abort(), Math.floor(Math.random() * 15));
    try {
      const response = await fetch(`${server.url}/api/v1/organizations/${org.id}/audit-logs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${org.ownerKey}`, 'content-type': 'application/json' },
        body,
        signal: abort.signal,
      });
      const text = await response.text();
      if (response.status === 201) {
        const result = JSON.parse(text) as { accepted: number; duplicates: number; ids: string[] };
        counters.accepted += result.accepted;
        counters.duplicates += result.duplicates;
        for (const id of result.ids) acknowledged.add(id);
        return;
      }
      if (response.status === 429) {
        counters.rateLimited += 1;
        await sleep(Number(response.headers.get('retry-after') ?? 1) * 100 * (1 + Math.random()));
      } else if (response.status >= 500) {
        counters.serverErrors += 1;
        await sleep(50);
      } else {
        throw new Error(`unexpected ${response.status}: ${text}`);
      }
    } catch (error) {
      if (!(error instanceof Error) || error.name !== 'AbortError') throw error;
      counters.aborted += 1;
    }
  }
}

async function client(): Promise<void> {
  while (Date.now() < deadline) await deliver(batch());
}

const started = performance.now();
try {
  await Promise.all(Array.from({ length: CLIENTS }, client));
} finally {
  await server.stop();
}
const seconds = (performance.now() - started) / 1000;

const check = new DatasetWriter(dir);
const stored = check
  .query<{ id: string }>('SELECT id FROM audit_events_by_organization WHERE organization_id = ? AND action = ?', [org.id, 'sync'], org)
  .map((row) => row.id);
check.close();
const storedSet = new Set(stored);
const lost = [...acknowledged].filter((id) => !storedSet.has(id));
const duplicateRows = stored.length - storedSet.size;
const unacknowledgedStored = stored.filter((id) => !acknowledged.has(id)).length;

console.log(`load: ${CLIENTS} clients × ${SECONDS} s, batches of ${BATCH}: ${counters.requests} requests in ${seconds.toFixed(1)} s`);
console.log(
  `  acknowledged ids ${acknowledged.size}, stored ${stored.length}, lost ${lost.length}, duplicate rows ${duplicateRows}, stored but never acknowledged ${unacknowledgedStored}`,
);
console.log(
  `  accepted ${counters.accepted}, reported duplicates ${counters.duplicates}, 429s ${counters.rateLimited}, 5xx ${counters.serverErrors}, dropped connections ${counters.aborted}, retries ${counters.retries}`,
);
const ok = lost.length === 0 && duplicateRows === 0 && unacknowledgedStored === 0 && acknowledged.size > 0;
console.log(ok ? '1 passed, 0 failed' : '0 passed, 1 failed');
process.exit(ok ? 0 : 1);
