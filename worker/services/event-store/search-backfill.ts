import { and, asc, count, eq, gt, lt, lte, sql } from 'drizzle-orm';
import type { Database } from '../../db/client.ts';
import { auditEvents, organizationSequences } from '../../db/schema.ts';
import { auditEventsSearch } from '../../db/search-table.ts';
import { searchableFields } from '../../events/event-shape.ts';
import { searchBody } from '../../events/search-text.ts';
import { jsonChunks } from './json-chunks.ts';

const PAGE = 1000;

/**
 * Events stored before free text became organization-scoped (migration 0003) are indexed again,
 * a bounded number per daily run, oldest sequence first; new events are indexed as they are stored.
 * Until an organization is done, free text does not find its older events (docs/ARCHITECTURE.md).
 */
export async function backfillSearch(db: Database, maxRows: number): Promise<{ indexed: number; organizationsLeft: number }> {
  const pending = await db
    .select()
    .from(organizationSequences)
    .where(lt(organizationSequences.searchBackfilledThrough, organizationSequences.searchBackfillUntil));
  let indexed = 0;
  for (const organization of pending) {
    let through = organization.searchBackfilledThrough;
    while (through < organization.searchBackfillUntil && indexed < maxRows) {
      const rows = await db
        .select()
        .from(auditEvents)
        .where(
          and(
            eq(auditEvents.orgKey, organization.orgKey),
            gt(auditEvents.sequence, through),
            lte(auditEvents.sequence, organization.searchBackfillUntil),
          ),
        )
        .orderBy(asc(auditEvents.sequence))
        .limit(Math.min(PAGE, maxRows - indexed));
      const last = rows.at(-1);
      const next = last ? last.sequence : organization.searchBackfillUntil;
      const entries = rows.map((row) => ({ id: row.id, body: searchBody(organization.organizationId, searchableFields(row)) }));
      const inserts = jsonChunks(entries).map((chunk) =>
        db.insert(auditEventsSearch).select(
          sql`SELECT event.rowid, value->>'body' FROM json_each(${chunk})
            CROSS JOIN audit_events AS event ON event.org_key = ${organization.orgKey} AND event.id = value->>'id'`,
        ),
      );
      // One transaction: the watermark moves only with the rows it covers.
      await db.batch([
        db
          .update(organizationSequences)
          .set({ searchBackfilledThrough: next })
          .where(eq(organizationSequences.organizationId, organization.organizationId)),
        ...inserts,
      ]);
      indexed += rows.length;
      through = next;
    }
    if (indexed >= maxRows) break;
  }
  const [left] = await db
    .select({ organizations: count() })
    .from(organizationSequences)
    .where(lt(organizationSequences.searchBackfilledThrough, organizationSequences.searchBackfillUntil));
  return { indexed, organizationsLeft: left?.organizations ?? 0 };
}
