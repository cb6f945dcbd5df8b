import { eq } from 'drizzle-orm';
import type { Database } from '../../db/client.ts';
import { organizationSequences } from '../../db/schema.ts';

/**
 * The organization's newest stored sequence (0 before its first event), read from its shard. The
 * counter moves in the same batch as every stored event (event-rows.ts), so nothing at or below it
 * is still on its way.
 */
export async function lastStoredSequence(events: Database, organizationId: string): Promise<number> {
  const [row] = await events
    .select({ last: organizationSequences.lastSequence })
    .from(organizationSequences)
    .where(eq(organizationSequences.organizationId, organizationId))
    .limit(1);
  return row?.last ?? 0;
}
