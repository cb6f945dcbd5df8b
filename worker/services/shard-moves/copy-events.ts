import { sql } from 'drizzle-orm';
import type { Database } from '../../db/client.ts';
import { auditEvents, organizationSequences } from '../../db/schema.ts';
import { auditEventsSearch } from '../../db/search-table.ts';
import { type ContentColumns, searchableFields } from '../../events/event-shape.ts';
import { searchBody } from '../../events/search-text.ts';
import { jsonChunks, orgKey } from '../event-store/index.ts';
import { type RowJson, rowObject, valuesFromObject } from './row-json.ts';

/** The organization key is the only column that differs between shards (each numbers its own organizations). */
const SKIP = ['org_key'];

/** The highest sequence of the organization's events in a shard (0: none), its lowest, and their number. */
export async function eventRange(db: Database, organizationId: string): Promise<{ min: number; max: number; count: number }> {
  const [row] = await db.all<{ min: number | null; max: number | null; count: number }>(
    sql`SELECT min(sequence) AS min, max(sequence) AS max, count(*) AS count FROM audit_events WHERE org_key = ${orgKey(organizationId)}`,
  );
  return { min: row?.min ?? 0, max: row?.max ?? 0, count: row?.count ?? 0 };
}

/** Rows per write transaction in the target (its rows and their search text). */
const WRITE_BATCH = 100;

/** The rows' inserts and their search text, for sequences in (after, through]. */
function writeStatements(target: Database, organizationId: string, rows: RowJson[], after: number, through: number) {
  const key = orgKey(organizationId);
  const inserts = jsonChunks(rows).map((chunk) =>
    // Drizzle lists the columns in schema order: the organization key first, then valuesFromObject's.
    target.insert(auditEvents).select(
      sql`SELECT ${key}, ${valuesFromObject(auditEvents, SKIP)} FROM json_each(${chunk})
        WHERE NOT EXISTS (SELECT 1 FROM audit_events AS stored WHERE stored.org_key = ${key} AND stored.sequence = value->>'sequence')
        ORDER BY key`,
    ),
  );
  const search = jsonChunks(
    rows.map((row) => ({ id: row.id, body: searchBody(organizationId, searchableFields(row as unknown as ContentColumns)) })),
  ).map((chunk) =>
    target.insert(auditEventsSearch).select(
      sql`SELECT event.rowid, value->>'body' FROM json_each(${chunk})
        CROSS JOIN audit_events AS event ON event.org_key = ${key} AND event.id = value->>'id'
        WHERE event.sequence > ${after} AND event.sequence <= ${through}`,
    ),
  );
  return [...inserts, ...search];
}

/**
 * Copies the organization's next events after `after` (at most `limit`, ascending) from source to
 * target, as they are: id, sequence, source, credential, content and content hash. Their search
 * text is indexed in the target in the same write (the index is contentless: it is rebuilt from
 * the row, as the search backfill does); the week counters follow by trigger. `after` must be
 * the target's highest sequence of the organization (the caller reads it), so every row is new
 * there. Returns how many rows were read and the last sequence among them (`after` when none).
 */
export async function copyEventChunk(
  source: Database,
  target: Database,
  organizationId: string,
  after: number,
  limit: number,
): Promise<{ rows: number; through: number }> {
  const read = await source.all<{ row: string }>(
    sql`SELECT ${rowObject(auditEvents, SKIP)} AS row FROM audit_events
      WHERE org_key = ${orgKey(organizationId)} AND sequence > ${after} ORDER BY sequence LIMIT ${limit}`,
  );
  if (read.length === 0) return { rows: 0, through: after };
  const rows = read.map((row) => JSON.parse(row.row) as RowJson);
  const through = Number(rows.at(-1)?.sequence ?? after);
  const ensureKey = target.insert(organizationSequences).values({ organizationId }).onConflictDoNothing();
  // One write per WRITE_BATCH rows: each is a short transaction, so the target (locally, the one
  // workerd thread) answers other queries between them. A piece that stops half-way resumes after
  // the target's highest sequence, like any other.
  let written = after;
  for (let start = 0; start < rows.length; start += WRITE_BATCH) {
    const part = rows.slice(start, start + WRITE_BATCH);
    const partThrough = Number(part.at(-1)?.sequence ?? written);
    await target.batch([ensureKey, ...writeStatements(target, organizationId, part, written, partThrough)]);
    written = partThrough;
  }
  return { rows: rows.length, through };
}
