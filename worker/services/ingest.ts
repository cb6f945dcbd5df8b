import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Database } from '../db/client';
import { auditEvents, instances } from '../db/schema';
import { ApiError, type FieldError } from '../errors';
import type { NewAuditEvent } from '../events/event-shape';
import { insertEventStatements, prepareRows } from './audit-events';

export interface IngestResult {
  accepted: number;
  duplicates: number;
  ids: string[];
}

/** Which of these instance ids are live instances of the organization. */
export async function liveInstanceIds(db: Database, organizationId: string, instanceIds: string[]): Promise<Set<string>> {
  if (instanceIds.length === 0) return new Set();
  const rows = await db
    .select({ id: instances.id })
    .from(instances)
    .where(and(eq(instances.organizationId, organizationId), isNull(instances.deletedAt), inArray(instances.id, instanceIds)));
  return new Set(rows.map((row) => row.id));
}

async function storedHashes(db: Database, organizationId: string, ids: string[]): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  // One JSON parameter per lookup keeps us under D1's 100-parameter limit for any batch size.
  const rows = await db
    .select({ id: auditEvents.id, contentSha256: auditEvents.contentSha256 })
    .from(auditEvents)
    .where(
      and(eq(auditEvents.organizationId, organizationId), sql`${auditEvents.id} IN (SELECT value FROM json_each(${JSON.stringify(ids)}))`),
    );
  for (const row of rows) found.set(row.id, row.contentSha256);
  return found;
}

/**
 * Stores validated events all-or-nothing (one D1 batch = one transaction). An id already stored
 * with the same content counts as a duplicate; with other content the whole batch is a 409.
 */
export async function ingestEvents(db: Database, organizationId: string, events: NewAuditEvent[], now: number): Promise<IngestResult> {
  const rows = await prepareRows(organizationId, events, now);
  const conflicts: FieldError[] = [];
  const firstById = new Map<string, string>();
  rows.forEach((row, index) => {
    const earlier = firstById.get(row.id);
    if (earlier === undefined) firstById.set(row.id, row.contentSha256);
    else if (earlier !== row.contentSha256)
      conflicts.push({ pointer: `items/${index}/id`, detail: `id ${row.id} appears earlier in this batch with other content` });
  });
  const stored = await storedHashes(db, organizationId, [...firstById.keys()]);
  rows.forEach((row, index) => {
    const hash = stored.get(row.id);
    if (hash !== undefined && hash !== row.contentSha256) {
      conflicts.push({ pointer: `items/${index}/id`, detail: `id ${row.id} is already stored with different content` });
    }
  });
  if (conflicts.length > 0) {
    throw new ApiError(
      409,
      'event-id-conflict',
      'An event id is already used by an event with different content; nothing was written.',
      conflicts,
    );
  }
  const seen = new Set<string>();
  const fresh = rows.filter((row) => {
    if (stored.has(row.id) || seen.has(row.id)) return false;
    seen.add(row.id);
    return true;
  });
  let accepted = 0;
  if (fresh.length > 0) {
    const [first, ...rest] = insertEventStatements(db, fresh);
    if (first) {
      const results = await db.batch([first, ...rest]);
      accepted = results.reduce((sum, inserted) => sum + inserted.length, 0);
    }
  }
  return { accepted, duplicates: rows.length - accepted, ids: rows.map((row) => row.id) };
}
