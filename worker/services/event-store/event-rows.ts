import { eq, sql } from 'drizzle-orm';
import { sha256Hex } from '../../auth/secrets.ts';
import { actorAddressHex } from '../../db/actor-address.ts';
import type { Database } from '../../db/client.ts';
import { auditEvents, eventFacets, organizationSequences, SOURCE_CODES } from '../../db/schema.ts';
import { auditEventsSearch } from '../../db/search-table.ts';
import { violatesUnique } from '../../db/unique-violation.ts';
import { type ContentColumns, type NewAuditEvent, searchableFields, toColumns, toEventContent } from '../../events/event-shape.ts';
import { searchBody } from '../../events/search-text.ts';
import { jsonChunks } from './json-chunks.ts';
import { fenceCheck } from './move-fence.ts';
import { orgKey } from './org-key.ts';

/** A row of audit_events as a plain object (all but its sequence), ready for json_each() insertion. */
type StoredEventRow = ContentColumns & {
  receivedAt: number;
  /** Hex of the stored content hash: the first 16 bytes of the content's SHA-256 (db/schema/shard.ts). */
  contentHash: string;
  /** The source as stored (SOURCE_CODES). */
  sourceCode: number;
  sourceKeyId: string | null;
  credentialType: string | null;
  credentialId: string | null;
  /** The actor's address as stored when it is a canonical IPv4 or IPv6 address (db/actor-address.ts). */
  actorIpHex: string | null;
};

/** Events of one organization, ready to store: their rows and their organization-scoped search text. */
export interface PreparedEvents {
  organizationId: string;
  rows: StoredEventRow[];
  search: { id: string; body: string }[];
}

/** The content hash covers what the event says, exactly as the API returns it (see toEventContent). */
export async function prepareEvents(organizationId: string, events: NewAuditEvent[], receivedAt: number): Promise<PreparedEvents> {
  const rows = await Promise.all(
    events.map(async (event): Promise<StoredEventRow> => {
      const columns = toColumns(event);
      const contentHash = (await sha256Hex(JSON.stringify(toEventContent(organizationId, columns)))).slice(0, 32);
      const actorIpHex = actorAddressHex(columns.actorIp);
      return {
        ...columns,
        receivedAt,
        contentHash,
        sourceCode: SOURCE_CODES[event.source],
        sourceKeyId: event.sourceKeyId,
        credentialType: event.credential?.type ?? null,
        credentialId: event.credential?.id ?? null,
        actorIpHex,
      };
    }),
  );
  const search = rows.map((row) => ({ id: row.id, body: searchBody(organizationId, searchableFields(row)) }));
  return { organizationId, rows, search };
}

const lastSequence = (organizationId: string) =>
  sql`coalesce((SELECT last_sequence FROM organization_sequences WHERE organization_id = ${organizationId}), 0)`;

/**
 * The statements (one D1 batch) that store prepared events, in this order:
 *  1. INSERT … SELECT FROM json_each per chunk, RETURNING the ids really inserted. An id already
 *     stored with the same content is skipped (a duplicate, it takes no number). An id stored with
 *     other content is NOT skipped: the unique (org_key, id) index then fails the whole batch, so nothing is
 *     written and the caller answers 409; "acknowledged" can never mean "someone else's content".
 *     Each new row's sequence is the organization's last number plus its position among the rows
 *     the statement inserts, so numbers follow commit order with no gaps.
 *  2. The organization-scoped search text of the rows just inserted (sequence above the counter),
 *     and their facet counts (actorId, action, objectType).
 *  3. The counter moves to the highest sequence now stored.
 * `before` (first in the batch) registers the organization's key in this shard if it is new, and
 * fails the batch if a move fenced the organization here (move-fence.ts).
 */
export function storeStatements(db: Database, prepared: PreparedEvents) {
  const organizationId = prepared.organizationId;
  const key = orgKey(organizationId);
  // The larger of the counter and the stored maximum: both are index lookups, and the maximum
  // covers rows inserted by an earlier chunk of this same batch.
  const base = sql`max(${lastSequence(organizationId)}, coalesce((SELECT max(sequence) FROM audit_events WHERE org_key = ${key}), 0))`;
  const inserts = jsonChunks(prepared.rows).map((chunk) =>
    db
      .insert(auditEvents)
      .select(
        // Drizzle lists the columns in schema order; the SELECT follows that order.
        sql`SELECT ${key}, ${base} + row_number() OVER (ORDER BY key), value->>'id', value->>'instanceId', value->>'timestamp',
          value->>'receivedAt', value->>'action', value->>'actorType', value->>'actorId', coalesce(unhex(value->>'actorIpHex'), value->>'actorIp'), value->>'objectType',
          value->>'objectName', value->>'objectKind', value->>'objectGroup', value->>'objectNamespace', value->>'parentName',
          value->>'parentParentName', value->>'parentApplicationName', value->>'parentKargoProjectName',
          value->>'detailsMessage', value->>'detailsPatch', value->>'detailsActionType', value->>'detailsJson',
          unhex(value->>'contentHash'), value->>'sourceCode', value->>'sourceKeyId', value->>'credentialType', value->>'credentialId'
        FROM json_each(${chunk})
        WHERE NOT EXISTS (SELECT 1 FROM audit_events AS stored
          WHERE stored.org_key = ${key} AND stored.id = value->>'id' AND stored.content_hash = unhex(value->>'contentHash'))`,
      )
      .returning({ id: auditEvents.id }),
  );
  const search = jsonChunks(prepared.search).map((chunk) =>
    db.insert(auditEventsSearch).select(
      // CROSS JOIN keeps json_each outside: one index lookup per row (never a scan of json_each per row).
      sql`SELECT event.rowid, value->>'body' FROM json_each(${chunk})
        CROSS JOIN audit_events AS event ON event.org_key = ${key} AND event.id = value->>'id'
        WHERE event.sequence > ${lastSequence(organizationId)}`,
    ),
  );
  // Only the rows just inserted (above the counter, not yet moved) are counted.
  const newRows = sql`FROM audit_events WHERE org_key = ${key} AND sequence > ${lastSequence(organizationId)}`;
  const facets = db
    .insert(eventFacets)
    .select(
      sql`SELECT ${organizationId}, facet, value, count(*) FROM (
        SELECT 'actorId' AS facet, actor_id AS value ${newRows}
        UNION ALL SELECT 'action', action ${newRows}
        UNION ALL SELECT 'objectType', object_type ${newRows}
      ) WHERE true GROUP BY facet, value`,
    )
    .onConflictDoUpdate({
      target: [eventFacets.organizationId, eventFacets.facet, eventFacets.value],
      set: { eventCount: sql`${eventFacets.eventCount} + excluded.event_count` },
    });
  const counter = db
    .update(organizationSequences)
    .set({
      lastSequence: sql`max(${organizationSequences.lastSequence}, coalesce((SELECT max(sequence) FROM audit_events WHERE org_key = ${key}), 0))`,
    })
    .where(eq(organizationSequences.organizationId, organizationId));
  const ensureKey = db.insert(organizationSequences).values({ organizationId }).onConflictDoNothing();
  // Fails the whole batch while a move has fenced the organization in this shard (move-fence.ts).
  return { before: [ensureKey, fenceCheck(db, organizationId)], inserts, rest: [...search, facets, counter] };
}

/** Records one event of the service's own in the organization's shard (an action that changes no control data, like an export). */
export async function recordChange(db: Database, organizationId: string, event: NewAuditEvent, now: number): Promise<void> {
  const { before, inserts, rest } = storeStatements(db, await prepareEvents(organizationId, [event], now));
  const [first, ...others] = [...before, ...inserts, ...rest];
  if (first) await db.batch([first, ...others]);
}

/** Whether a D1 error is audit_events refusing an id the organization stored with other content. */
export function isEventIdCollision(error: unknown): boolean {
  return violatesUnique(error, 'audit_events.org_key, audit_events.id');
}
