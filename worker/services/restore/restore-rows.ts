/**
 * Archived events back into a shard, unchanged: a day-file event → the row it was written from
 * (proven by writing the line again and comparing bytes), and the statements that put back the
 * missing ones with their own sequence, plus what the normal store keeps beside them (search text,
 * facet counts, the sequence counter; the week counts follow by trigger).
 */
import { and, eq, sql } from 'drizzle-orm';
import type { Database } from '../../db/client.ts';
import { inJsonList } from '../../db/json-list.ts';
import { auditEvents, type EventSource, eventFacets, eventWeeks, organizationSequences } from '../../db/schema.ts';
import { auditEventsSearch } from '../../db/search-table.ts';
import { eventLineWriter } from '../../events/event-line.ts';
import { type NewAuditEvent, toColumns } from '../../events/event-shape.ts';
import { jsonChunks, orgKey, type PreparedEvents, prepareEvents } from '../event-store/index.ts';

/** An event as a day file holds it (docs/verifying-archives.md); the verifier checked its shape. */
interface ArchivedEvent {
  id: string;
  instanceId: string | null;
  timestamp: string;
  action: string;
  actor: NewAuditEvent['actor'];
  object: NewAuditEvent['object'] & { parentId: NonNullable<NewAuditEvent['object']['parentId']> };
  details: NonNullable<NewAuditEvent['details']>;
  source: EventSource;
  sourceKeyId: string | null;
  credential: { type: string; id: string } | null;
  sequence: number;
}

export interface DayEvents {
  events: NewAuditEvent[];
  sequences: number[];
}

/**
 * A day file's events as the store takes them. Throws when a line would not come back byte for
 * byte from the row it makes (then restoring it could not be "unchanged").
 */
export function dayFileEvents(organizationId: string, name: string, data: Uint8Array): DayEvents {
  const parsed = JSON.parse(new TextDecoder().decode(data)) as ArchivedEvent[];
  const line = eventLineWriter(organizationId);
  const events: NewAuditEvent[] = [];
  const sequences: number[] = [];
  for (const [index, archived] of parsed.entries()) {
    const event: NewAuditEvent = {
      id: archived.id,
      instanceId: archived.instanceId,
      timestamp: Date.parse(archived.timestamp),
      action: archived.action,
      actor: archived.actor,
      object: archived.object,
      details: archived.details,
      source: archived.source,
      sourceKeyId: archived.sourceKeyId,
      credential: archived.credential,
    };
    const row = {
      ...toColumns(event),
      source: archived.source,
      sourceKeyId: archived.sourceKeyId,
      credentialType: archived.credential?.type ?? null,
      credentialId: archived.credential?.id ?? null,
      sequence: archived.sequence,
    };
    if (line(row) !== JSON.stringify(archived)) {
      throw new Error(`${name} line ${index + 2} (event ${archived.id}): would not be stored unchanged`);
    }
    events.push(event);
    sequences.push(archived.sequence);
  }
  return { events, sequences };
}

type StoredRow = PreparedEvents['rows'][number] & { sequence: number };

export interface Conflict {
  id: string;
  sequence: number;
  reason: string;
}

/** Which of the prepared rows the shard already holds unchanged, which conflict, and which are missing. */
export async function classifyRows(db: Database, organizationId: string, rows: StoredRow[]) {
  const key = orgKey(organizationId);
  const columns = { id: auditEvents.id, sequence: auditEvents.sequence, hash: sql<string>`lower(hex(${auditEvents.contentHash}))` };
  const [byId, bySequence] = await Promise.all([
    db
      .select(columns)
      .from(auditEvents)
      .where(
        and(
          eq(auditEvents.orgKey, key),
          inJsonList(
            auditEvents.id,
            rows.map((row) => row.id),
          ),
        ),
      ),
    db
      .select(columns)
      .from(auditEvents)
      .where(
        and(
          eq(auditEvents.orgKey, key),
          inJsonList(
            auditEvents.sequence,
            rows.map((row) => row.sequence),
          ),
        ),
      ),
  ]);
  const ids = new Map(byId.map((stored) => [stored.id, stored]));
  const sequences = new Map(bySequence.map((stored) => [stored.sequence, stored]));
  const missing: StoredRow[] = [];
  const conflicts: Conflict[] = [];
  let present = 0;
  for (const row of rows) {
    const stored = ids.get(row.id);
    if (stored) {
      if (stored.sequence === row.sequence && stored.hash === row.contentHash) present += 1;
      else conflicts.push({ id: row.id, sequence: row.sequence, reason: `the shard holds id ${row.id} with other content or sequence` });
      continue;
    }
    const holder = sequences.get(row.sequence);
    if (holder)
      conflicts.push({ id: row.id, sequence: row.sequence, reason: `the shard holds sequence ${row.sequence} as event ${holder.id}` });
    else missing.push(row);
  }
  return { missing, conflicts, present };
}

/** The rows' prepared form (hash, search text) with their archived sequence, received at `receivedAt`. */
export async function prepareRestore(organizationId: string, day: DayEvents, receivedAt: number) {
  const prepared = await prepareEvents(organizationId, day.events, receivedAt);
  const rows: StoredRow[] = prepared.rows.map((row, index) => ({ ...row, sequence: day.sequences[index] ?? 0 }));
  return { rows, search: prepared.search };
}

/**
 * Puts back the missing rows in one D1 batch (one transaction): for each chunk, the facet counts of
 * the rows about to be inserted (counted before, with the same condition, so a row another
 * restore put back in the meantime is counted by neither twice), then the rows; then their search
 * text (rows not indexed yet) and the sequence counter. Returns how many rows were inserted.
 */
export async function insertMissing(
  db: Database,
  organizationId: string,
  rows: StoredRow[],
  search: { id: string; body: string }[],
): Promise<number> {
  if (rows.length === 0) return 0;
  const key = orgKey(organizationId);
  const missing = sql`NOT EXISTS (SELECT 1 FROM audit_events AS stored WHERE stored.org_key = ${key} AND stored.id = value->>'id')
    AND NOT EXISTS (SELECT 1 FROM audit_events AS stored WHERE stored.org_key = ${key} AND stored.sequence = value->>'sequence')`;
  const ensureKey = db.insert(organizationSequences).values({ organizationId }).onConflictDoNothing();
  const writes = jsonChunks(rows).flatMap((chunk) => [
    db
      .insert(eventFacets)
      .select(
        sql`SELECT ${organizationId}, kind.facet, CASE kind.facet WHEN 'actorId' THEN archived.value->>'actorId'
            WHEN 'action' THEN archived.value->>'action' ELSE archived.value->>'objectType' END AS facet_value, count(*)
          FROM (SELECT value FROM json_each(${chunk}) WHERE ${missing}) AS archived
          CROSS JOIN (SELECT 'actorId' AS facet UNION ALL SELECT 'action' UNION ALL SELECT 'objectType') AS kind
          WHERE true GROUP BY kind.facet, facet_value`,
      )
      .onConflictDoUpdate({
        target: [eventFacets.organizationId, eventFacets.facet, eventFacets.value],
        set: { eventCount: sql`${eventFacets.eventCount} + excluded.event_count` },
      }),
    db
      .insert(auditEvents)
      .select(
        // The columns in schema order, as services/event-store/event-rows.ts stores them, with the archived sequence.
        sql`SELECT ${key}, value->>'sequence', value->>'id', value->>'instanceId', value->>'timestamp',
          value->>'receivedAt', value->>'action', value->>'actorType', value->>'actorId', coalesce(unhex(value->>'actorIpHex'), value->>'actorIp'), value->>'objectType',
          value->>'objectName', value->>'objectKind', value->>'objectGroup', value->>'objectNamespace', value->>'parentName',
          value->>'parentParentName', value->>'parentApplicationName', value->>'parentKargoProjectName',
          value->>'detailsMessage', value->>'detailsPatch', value->>'detailsActionType', value->>'detailsJson',
          unhex(value->>'contentHash'), value->>'sourceCode', value->>'sourceKeyId', value->>'credentialType', value->>'credentialId'
        FROM json_each(${chunk}) WHERE ${missing} ORDER BY key`,
      )
      .returning({ id: auditEvents.id }),
  ]);
  const searchWrites = jsonChunks(search).map((chunk) =>
    db.insert(auditEventsSearch).select(
      sql`SELECT event.rowid, value->>'body' FROM json_each(${chunk})
        CROSS JOIN audit_events AS event ON event.org_key = ${key} AND event.id = value->>'id'
        WHERE NOT EXISTS (SELECT 1 FROM audit_events_search AS indexed WHERE indexed.rowid = event.rowid)`,
    ),
  );
  const counter = db
    .update(organizationSequences)
    .set({
      lastSequence: sql`max(${organizationSequences.lastSequence}, coalesce((SELECT max(sequence) FROM audit_events WHERE org_key = ${key}), 0))`,
    })
    .where(eq(organizationSequences.organizationId, organizationId));
  const results = await db.batch([ensureKey, ...writes, ...searchWrites, counter]);
  let inserted = 0;
  for (const [index, result] of results.entries()) {
    // The inserts are every second statement of `writes`, after ensureKey.
    if (index >= 1 && index <= writes.length && index % 2 === 0) inserted += (result as unknown[]).length;
  }
  return inserted;
}

/** A week with events put back is hot again: retention decides afresh when they leave (services/archive/retention.ts). */
export async function markWeekHot(db: Database, organizationId: string, startDate: string): Promise<void> {
  await db
    .update(eventWeeks)
    .set({ purgedAt: null })
    .where(and(eq(eventWeeks.organizationId, organizationId), eq(eventWeeks.startDate, startDate)));
}
