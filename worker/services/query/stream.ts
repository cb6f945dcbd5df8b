import { and, asc, eq, gt } from 'drizzle-orm';
import type { StreamPage } from '../../contract/stream.ts';
import type { Database } from '../../db/client.ts';
import { auditEvents, organizationSequences } from '../../db/schema.ts';
import { toEvent } from '../../events/event-shape.ts';
import { eventColumns, orgKey } from '../event-store/index.ts';

/** Up to `limit` events after a sequence number, ascending. */
export function streamQuery(db: Database, organizationId: string, afterSequence: number, limit: number) {
  return db
    .select(eventColumns)
    .from(auditEvents)
    .where(and(eq(auditEvents.orgKey, orgKey(organizationId)), gt(auditEvents.sequence, afterSequence)))
    .orderBy(asc(auditEvents.sequence))
    .limit(limit);
}

/**
 * Events after a sequence number, ascending: what an importer needs to read everything exactly
 * once. A batch commits all its rows and numbers at once, so a reader only ever sees a gap-free
 * prefix 1..N; a late event (old timestamp) still gets the next number, so nothing is missed the
 * way timestamp paging misses it. Served by the unique (organization_id, sequence) index.
 */
export async function readStream(db: Database, organizationId: string, afterSequence: number, limit: number): Promise<StreamPage> {
  const [rows, counters] = await db.batch([
    streamQuery(db, organizationId, afterSequence, limit + 1),
    db
      .select({ lastSequence: organizationSequences.lastSequence })
      .from(organizationSequences)
      .where(eq(organizationSequences.organizationId, organizationId)),
  ]);
  const items = rows.slice(0, limit).map((row) => toEvent(organizationId, row));
  return {
    items,
    lastSequence: items.at(-1)?.sequence ?? afterSequence,
    highestSequence: counters[0]?.lastSequence ?? 0,
    hasMore: rows.length > limit,
  };
}
