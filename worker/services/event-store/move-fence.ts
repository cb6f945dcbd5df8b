import { sql } from 'drizzle-orm';
import type { Database } from '../../db/client.ts';
import { organizationMoveFences } from '../../db/schema.ts';
import { violatesUnique } from '../../db/unique-violation.ts';
import { ApiError } from '../../errors.ts';
import { forgetOrganizationShards } from './shard-routing.ts';

/**
 * The statement every batch that writes an organization's events (or webhook deliveries) to a
 * shard carries (docs/OPERATIONS.md, "Moving an organization"): it copies the organization's fence
 * row onto itself, so while a move has fenced the organization in this shard the primary key
 * fails the whole batch (nothing is written), and otherwise it inserts nothing. It runs in the
 * same database and transaction as the write, so no isolate that still remembers the old shard
 * can slip an event past a switch.
 */
export function fenceCheck(db: Database, organizationId: string) {
  return db
    .insert(organizationMoveFences)
    .select(sql`SELECT organization_id, move_id, fenced_at FROM organization_move_fences WHERE organization_id = ${organizationId}`);
}

/**
 * Whether a failed write met a move's fence. If so, this isolate forgets the shards it remembers
 * (services/event-store/shard-routing.ts), so the next attempt asks where the organization is now.
 */
export function metMoveFence(error: unknown): boolean {
  if (!violatesUnique(error, 'organization_move_fences.organization_id')) return false;
  forgetOrganizationShards();
  return true;
}

/** The answer to a write that met the fence: the switch takes seconds, so the client retries. */
export const organizationMoving = () =>
  new ApiError(
    'organization-moving',
    "The organization is being switched to another event database; nothing was written. Retry after the Retry-After header's seconds.",
    undefined,
    { 'retry-after': '1' },
  );
