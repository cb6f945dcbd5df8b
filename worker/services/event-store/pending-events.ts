import { asc, sql } from 'drizzle-orm';
import type { Database } from '../../db/client.ts';
import { inJsonList } from '../../db/json-list.ts';
import { pendingEvents } from '../../db/schema.ts';
import type { NewAuditEvent } from '../../events/event-shape.ts';
import { prepareEvents, storeStatements } from './event-rows.ts';
import { metMoveFence } from './move-fence.ts';

/**
 * The statement (for the same batch as the control-data change it records) that queues the
 * change's events in the main database. With `onlyIfPreviousChanged`, nothing is queued unless the
 * statement before it changed a row, so a change that did not happen records nothing.
 */
export function recordChangeStatements(
  db: Database,
  organizationId: string,
  events: NewAuditEvent[],
  now: number,
  options: { onlyIfPreviousChanged?: boolean } = {},
) {
  const guard = options.onlyIfPreviousChanged ? sql`changes() > 0` : sql`1`;
  return [
    db
      .insert(pendingEvents)
      .select(sql`SELECT NULL, ${organizationId}, ${now}, value FROM json_each(${JSON.stringify(events)}) WHERE ${guard} ORDER BY key`),
  ] as const;
}

export interface DeliveryReport {
  delivered: number;
  /** Organizations whose events could not be moved this time (they stay queued). */
  failed: string[];
}

/**
 * Moves queued events into their organizations' shards, oldest first, at most `limit` of them.
 * Storing is idempotent (same id, same content: a duplicate), so two deliveries racing, or one
 * that stored but failed before deleting, never store an event twice; an event leaves the queue
 * only after its shard committed it.
 */
export async function deliverPendingEvents(
  control: Database,
  shardDbFor: (organizationId: string) => Promise<Database>,
  limit = 500,
): Promise<DeliveryReport> {
  const queued = await control.select().from(pendingEvents).orderBy(asc(pendingEvents.position)).limit(limit);
  const report: DeliveryReport = { delivered: 0, failed: [] };
  // Consecutive rows of one organization and one receipt time store together (one shard batch).
  const groups: (typeof queued)[] = [];
  for (const row of queued) {
    const group = groups.at(-1);
    const first = group?.[0];
    if (group && first && first.organizationId === row.organizationId && first.receivedAt === row.receivedAt) group.push(row);
    else groups.push([row]);
  }
  const failed = new Set<string>();
  for (const group of groups) {
    const first = group[0];
    if (!first || failed.has(first.organizationId)) continue;
    try {
      const db = await shardDbFor(first.organizationId);
      const prepared = await prepareEvents(
        first.organizationId,
        group.map((row) => JSON.parse(row.event) as NewAuditEvent),
        first.receivedAt,
      );
      const { before, inserts, rest } = storeStatements(db, prepared);
      const [head, ...tail] = [...before, ...inserts, ...rest];
      if (head) await db.batch([head, ...tail]);
      const positions = group.map((row) => row.position);
      await control.delete(pendingEvents).where(inJsonList(pendingEvents.position, positions));
      report.delivered += group.length;
    } catch (error) {
      // A move's switch: the next try finds the organization's new shard.
      metMoveFence(error);
      // Later events of the organization wait too, so its sequence keeps the order of its changes.
      failed.add(first.organizationId);
      console.error(JSON.stringify({ job: 'pending-events', organizationId: first.organizationId, error: String(error) }));
    }
  }
  report.failed = [...failed];
  return report;
}
