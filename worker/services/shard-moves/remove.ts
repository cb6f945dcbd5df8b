import { getTableName, sql } from 'drizzle-orm';
import type { Database } from '../../db/client.ts';
import {
  archives,
  auditChainScrubs,
  auditCheckpoints,
  eventFacets,
  eventWeeks,
  organizationSequences,
  webhookAttempts,
  webhookDeliveries,
} from '../../db/schema.ts';
import { orgKey } from '../event-store/index.ts';

const DELETE_CHUNK = 2000;

/** The organization's rows beside its events in a shard (side-tables.ts), removed once its events are gone. */
const SIDE_TABLES = [eventWeeks, eventFacets, archives, auditCheckpoints, auditChainScrubs];

/**
 * Removes a batch of the organization's rows from a shard it no longer lives in (the source after
 * a move, or a failed move's target): up to `chunks` × 2000 events per call, newest last, then,
 * once no event is left, everything kept beside them and its sequence counter. The delete
 * triggers keep the search index, week counts and facets right as events go. A fence row stays:
 * it keeps writers that still remember this shard out (services/event-store/move-fence.ts).
 * Returns whether nothing of the organization is left.
 */
export async function removeOrganizationRows(db: Database, organizationId: string, chunks: number): Promise<boolean> {
  const key = orgKey(organizationId);
  for (let chunk = 0; chunk < chunks; chunk += 1) {
    const result = await db.run(
      sql`DELETE FROM audit_events WHERE rowid IN (SELECT rowid FROM audit_events WHERE org_key = ${key} ORDER BY sequence LIMIT ${DELETE_CHUNK})`,
    );
    if (result.meta.changes === 0) break;
    if (result.meta.changes < DELETE_CHUNK) break;
    if (chunk === chunks - 1) return false;
  }
  const [left] = await db.all<{ left: number }>(sql`SELECT count(*) AS left FROM audit_events WHERE org_key = ${key}`);
  if ((left?.left ?? 0) > 0) return false;
  const mine = sql`organization_id = ${organizationId}`;
  await db.batch([
    db.delete(webhookAttempts).where(sql`delivery_id IN (SELECT id FROM webhook_deliveries WHERE ${mine})`),
    ...[webhookDeliveries, ...SIDE_TABLES].map((table) => db.delete(table).where(mine)),
    db.delete(organizationSequences).where(mine),
  ]);
  return true;
}

/** Whether a shard holds anything of the organization (a move's target must not). */
export async function holdsOrganization(db: Database, organizationId: string): Promise<string | null> {
  const checks = [
    ['events', sql`SELECT 1 FROM audit_events WHERE org_key = ${orgKey(organizationId)} LIMIT 1`],
    ['a sequence counter', sql`SELECT 1 FROM organization_sequences WHERE organization_id = ${organizationId} AND last_sequence > 0`],
    ...[...SIDE_TABLES, webhookDeliveries].map(
      (table) => [getTableName(table), sql`SELECT 1 FROM ${table} WHERE organization_id = ${organizationId} LIMIT 1`] as const,
    ),
  ] as const;
  for (const [what, query] of checks) {
    if ((await db.all(query)).length > 0) return what;
  }
  return null;
}
