import { sql } from 'drizzle-orm';
import type { Database } from '../db/client';
import { auditEvents } from '../db/schema';
import { sha256Hex } from '../auth/secrets';
import { toColumns, toEvent, type NewAuditEvent } from '../events/event-shape';

/** A row of audit_events as a plain object, ready for json_each() insertion. */
export type StoredEventRow = ReturnType<typeof toColumns> & { receivedAt: number; contentSha256: string };

/** The content hash covers the event exactly as the API returns it (receipt time excluded). */
export async function prepareRows(organizationId: string, events: NewAuditEvent[], receivedAt: number): Promise<StoredEventRow[]> {
  return Promise.all(
    events.map(async (event) => {
      const columns = toColumns(organizationId, event);
      return { ...columns, receivedAt, contentSha256: await sha256Hex(JSON.stringify(toEvent(columns))) };
    }),
  );
}

// D1 caps a statement at 100 bound parameters; passing rows as one JSON parameter to json_each()
// sidesteps that, so one statement inserts hundreds of rows. Kept well under D1's 2 MB value cap.
const ROWS_PER_STATEMENT = 250;

/**
 * INSERT statements (batch items) for rows; an existing (organization_id, id) is left as it is.
 * `onlyIfPreviousChanged`: inside a batch, write the events only when the statement before them
 * changed a row, so a guarded update that lost a race records no event either.
 */
export function insertEventStatements(db: Database, rows: StoredEventRow[], options: { onlyIfPreviousChanged?: boolean } = {}) {
  const guard = options.onlyIfPreviousChanged ? sql`changes() > 0` : sql`true`;
  const statements = [];
  for (let start = 0; start < rows.length; start += ROWS_PER_STATEMENT) {
    const chunk = JSON.stringify(rows.slice(start, start + ROWS_PER_STATEMENT));
    statements.push(
      // Drizzle lists the columns in schema order; the SELECT below follows that order.
      db
        .insert(auditEvents)
        .select(
          sql`SELECT value->>'organizationId', value->>'id', value->>'instanceId', value->>'timestamp',
            value->>'receivedAt', value->>'action', value->>'actorType', value->>'actorId', value->>'actorIp',
            value->>'objectType', value->>'objectName', value->>'objectKind', value->>'objectGroup',
            value->>'parentName', value->>'parentParentName', value->>'parentApplicationName',
            value->>'detailsMessage', value->>'detailsPatch', value->>'detailsActionType', value->>'detailsJson',
            value->>'contentSha256'
          FROM json_each(${chunk}) WHERE ${guard}`,
        )
        .onConflictDoNothing({ target: [auditEvents.organizationId, auditEvents.id] })
        // RETURNING lists the rows really inserted (D1's meta.changes also counts FTS trigger writes).
        .returning({ id: auditEvents.id }),
    );
  }
  return statements;
}

/** Statements that record one management change, for the same batch as the change itself. */
export async function recordChangeStatements(
  db: Database,
  organizationId: string,
  event: NewAuditEvent,
  now: number,
  options: { onlyIfPreviousChanged?: boolean } = {},
) {
  return insertEventStatements(db, await prepareRows(organizationId, [event], now), options);
}

/** Records one event on its own (for actions that change nothing else, like an export). */
export async function recordChange(db: Database, organizationId: string, event: NewAuditEvent, now: number): Promise<void> {
  const [first, ...rest] = await recordChangeStatements(db, organizationId, event, now);
  if (first) await db.batch([first, ...rest]);
}
