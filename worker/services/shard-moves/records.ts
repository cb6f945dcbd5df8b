import { and, desc, eq } from 'drizzle-orm';
import type { OrganizationMove } from '../../contract/organization-move.ts';
import type { Database } from '../../db/client.ts';
import { newId } from '../../db/ids.ts';
import { type OrganizationMoveRow, organizationMoves } from '../../db/schema.ts';
import { violatesUnique } from '../../db/unique-violation.ts';
import { ApiError } from '../../errors.ts';

/** The API's view of a move (contract/organization-move.ts). */
export function toMove(row: OrganizationMoveRow): OrganizationMove {
  return {
    id: row.id,
    from: row.fromShard,
    to: row.toShard,
    state: row.state,
    copied: row.copied,
    total: row.total,
    ...(row.error === null ? {} : { error: row.error }),
    ...(row.fencedAt === null ? {} : { fencedAt: new Date(row.fencedAt).toISOString() }),
    ...(row.switchedAt === null ? {} : { switchedAt: new Date(row.switchedAt).toISOString() }),
  };
}

/** The organization's latest move, or null. */
export async function latestMove(control: Database, organizationId: string): Promise<OrganizationMoveRow | null> {
  const [row] = await control
    .select()
    .from(organizationMoves)
    .where(eq(organizationMoves.organizationId, organizationId))
    .orderBy(desc(organizationMoves.createdAt), desc(organizationMoves.id))
    .limit(1);
  return row ?? null;
}

export async function loadMove(control: Database, moveId: string): Promise<OrganizationMoveRow | null> {
  const [row] = await control.select().from(organizationMoves).where(eq(organizationMoves.id, moveId)).limit(1);
  return row ?? null;
}

const moveRunning = (organizationId: string) =>
  new ApiError(
    'move-running',
    `A move of organization ${organizationId} is still running (or cleaning up after itself); see GET …/move, and try again when it is done.`,
  );

/**
 * Records a new move in state copying. The partial unique index allows one unfinished move per
 * organization (its cleanup included), so of two racing requests one gets 409.
 */
export async function insertMove(
  control: Database,
  organizationId: string,
  from: string,
  to: string,
  now: number,
): Promise<OrganizationMoveRow> {
  const row: OrganizationMoveRow = {
    id: newId('mov'),
    organizationId,
    fromShard: from,
    toShard: to,
    state: 'copying',
    copied: 0,
    total: 0,
    copiedThrough: 0,
    verifiedThrough: null,
    verifiedChain: null,
    rounds: 0,
    error: null,
    deliveriesCopiedAt: null,
    cleanup: 'none',
    cleanupAfter: null,
    createdAt: now,
    updatedAt: now,
    fencedAt: null,
    switchedAt: null,
  };
  try {
    await control.insert(organizationMoves).values(row);
  } catch (error) {
    if (violatesUnique(error, 'organization_moves.organization_id')) throw moveRunning(organizationId);
    throw error;
  }
  return row;
}

/** Saves a move's progress; only while it is in `state` (a step never overwrites a later state). */
export async function saveMove(
  control: Database,
  move: OrganizationMoveRow,
  changes: Partial<Omit<OrganizationMoveRow, 'id' | 'organizationId'>>,
  now: number,
): Promise<OrganizationMoveRow> {
  await control
    .update(organizationMoves)
    .set({ ...changes, updatedAt: now })
    .where(and(eq(organizationMoves.id, move.id), eq(organizationMoves.state, move.state)));
  return { ...move, ...changes, updatedAt: now };
}
