import { and, eq, sql } from 'drizzle-orm';
import type { Database } from '../../db/client.ts';
import { organizationMoveFences, organizations } from '../../db/schema.ts';

/** Fences the organization in a shard: from this commit on, no batch stores its events there. */
export async function setFence(db: Database, organizationId: string, moveId: string, now: number): Promise<void> {
  await db
    .insert(organizationMoveFences)
    .values({ organizationId, moveId, fencedAt: now })
    .onConflictDoUpdate({ target: organizationMoveFences.organizationId, set: { moveId, fencedAt: now } });
}

/** Lifts the organization's fence in a shard (any move's: the organization is about to live there). */
export function liftFence(db: Database, organizationId: string) {
  return db.delete(organizationMoveFences).where(eq(organizationMoveFences.organizationId, organizationId));
}

/** Lifts only this move's fence (a failed move; a later move's fence stays). */
export async function liftOwnFence(db: Database, organizationId: string, moveId: string): Promise<void> {
  await db
    .delete(organizationMoveFences)
    .where(and(eq(organizationMoveFences.organizationId, organizationId), eq(organizationMoveFences.moveId, moveId)));
}

/** Points the organization at its new shard, only if it is still on the old one; whether it did. */
export async function pointOrganization(control: Database, organizationId: string, from: string, to: string): Promise<boolean> {
  const result = await control.run(sql`UPDATE organizations SET shard = ${to} WHERE id = ${organizationId} AND shard = ${from}`);
  return result.meta.changes === 1;
}

export async function currentShard(control: Database, organizationId: string): Promise<string | null> {
  const [row] = await control.select({ shard: organizations.shard }).from(organizations).where(eq(organizations.id, organizationId));
  return row?.shard ?? null;
}
