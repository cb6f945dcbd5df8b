import { env } from 'cloudflare:workers';
import type { OrganizationMove } from '../../worker/contract/index.ts';
import { database } from '../../worker/db/client.ts';
import { shardSet } from '../../worker/db/shards.ts';
import type { NewAuditEvent } from '../../worker/events/event-shape.ts';
import { prepareEvents, storeStatements } from '../../worker/services/event-store/index.ts';
import { CLEANUP_DELAY_MS, type MoveDeps, runMoveStep } from '../../worker/services/shard-moves/index.ts';
import { ADMIN, call, json, type TestOrg } from './api.ts';
import { eventsDatabase } from './shards.ts';
import { eventually } from './webhooks.ts';

export const movePath = (orgId: string) => `/api/v1/admin/organizations/${orgId}/move`;

export async function postMove(orgId: string, shard: string, token: string = ADMIN): Promise<Response> {
  return call(movePath(orgId), { method: 'POST', token, body: { shard } });
}

export async function readMove(orgId: string): Promise<OrganizationMove> {
  return (await json<{ move: OrganizationMove }>(await call(movePath(orgId), { token: ADMIN }), 200)).move;
}

/** Polls GET …/move until the move is done or failed. */
export const settledMove = (orgId: string, timeoutMs = 240_000) =>
  eventually(
    async () => {
      const move = await readMove(orgId);
      return move.state === 'done' || move.state === 'failed' ? move : undefined;
    },
    timeoutMs,
    `the move of ${orgId} to settle`,
  );

/** The services' view of the test Worker's databases, as the mover's Durable Object builds it. */
export const moveDeps = (): MoveDeps => ({ control: database(env.DB), shard: (name) => database(shardSet(env).binding(name)) });

/** Runs the move's cleanup now instead of after the routing cache's lifetime (the old rows go). */
export async function cleanUpNow(moveId: string): Promise<void> {
  for (let step = 0; step < 1000; step += 1) {
    if ((await runMoveStep(moveDeps(), moveId, Date.now() + CLEANUP_DELAY_MS + 1000)) === null) return;
  }
  throw new Error(`the cleanup of ${moveId} did not finish`);
}

/** An event made directly for the store (not through HTTP), `minutesAgo` before now. */
export function seedEvent(index: number, base: number): NewAuditEvent {
  return {
    id: `seed-${index.toString().padStart(7, '0')}`,
    instanceId: null,
    timestamp: base + index,
    action: index % 3 === 0 ? 'update' : 'create',
    actor: { type: 'user', id: `user-${index % 17}@example.com`, ip: '203.0.113.7' },
    object: { type: 'argocd_application', id: { name: `app-${index % 97}`, kind: 'Application', group: 'argoproj.io' } },
    details: { message: `Synced revision ${index.toString(16)}`, actionType: 'sync' },
    source: 'ingest',
    sourceKeyId: null,
    credential: null,
  };
}

/** Stores `count` events straight through the store's statements (what ingest runs), 1000 a batch. */
export async function seedEvents(org: TestOrg, count: number, base = Date.now() - 3 * 3_600_000): Promise<void> {
  const db = await eventsDatabase(org.orgId);
  for (let start = 0; start < count; start += 1000) {
    const events = Array.from({ length: Math.min(1000, count - start) }, (_, offset) => seedEvent(start + offset, base));
    const { before, inserts, rest } = storeStatements(db, await prepareEvents(org.orgId, events, Date.now()));
    const [head, ...tail] = [...before, ...inserts, ...rest];
    if (head) await db.batch([head, ...tail]);
  }
}
