import { and, eq, gt, inArray, or, type SQL, sql } from 'drizzle-orm';
import type { SQLiteTable } from 'drizzle-orm/sqlite-core';
import type { Database } from '../../db/client.ts';
import { inJsonList } from '../../db/json-list.ts';
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
import { readRows, writeRowStatements } from './row-json.ts';

/**
 * What lives in a shard beside an organization's events, and how a move carries it
 * (docs/OPERATIONS.md, "Moving an organization"):
 * - event_weeks: the copied events rebuild the counts by trigger; the source's rows replace them
 *   at the switch, so `purged_at` (weeks retention emptied) and emptied weeks come along;
 * - event_facets: kept by the storing statements, not triggers: the source's counts replace the target's;
 * - archives, audit_checkpoints, audit_chain_scrubs: the source's rows, as they are (a checkpoint
 *   is a signed statement, never rewritten);
 * - organization_sequences: the counter carries on from the source's (numbers are never reused);
 * - webhook_deliveries and webhook_attempts: copied once before the switch, and at the switch
 *   again those that changed since (pending, new, or attempted).
 * The search index is rebuilt with each copied event (copy-events.ts).
 */
const byOrganization = (organizationId: string) => sql`organization_id = ${organizationId}`;

const PAGE = 500;

/** The source's rows of `table` replace the target's (same batch: the target is never half-replaced). */
async function replaceRows(source: Database, target: Database, table: SQLiteTable, organizationId: string) {
  const rows = await readRows(source, table, byOrganization(organizationId));
  return [target.delete(table).where(byOrganization(organizationId)), ...writeRowStatements(target, table, rows, { ignore: true })];
}

/** Statements for the target (one batch with the switch's other writes): every small per-organization table. */
export async function switchTables(source: Database, target: Database, organizationId: string) {
  const statements = [
    ...(await replaceRows(source, target, eventWeeks, organizationId)),
    ...(await replaceRows(source, target, eventFacets, organizationId)),
    ...(await replaceRows(source, target, archives, organizationId)),
    ...(await replaceRows(source, target, auditCheckpoints, organizationId)),
    ...(await replaceRows(source, target, auditChainScrubs, organizationId)),
  ];
  const [counter] = await source
    .select({ lastSequence: organizationSequences.lastSequence })
    .from(organizationSequences)
    .where(eq(organizationSequences.organizationId, organizationId));
  // Every copied event was indexed for search as it was copied: nothing is left to backfill.
  const counterUpdate = target
    .update(organizationSequences)
    .set({
      lastSequence: sql`max(${organizationSequences.lastSequence}, ${counter?.lastSequence ?? 0})`,
      searchBackfillUntil: 0,
      searchBackfilledThrough: 0,
    })
    .where(eq(organizationSequences.organizationId, organizationId));
  return [...statements, counterUpdate];
}

/**
 * Copies the organization's webhook deliveries and their attempts, a page at a time: all of them
 * (`since` null), or only those created, attempted or still pending since `since`. Upserts by id,
 * so a delivery's later status wins.
 */
export async function copyDeliveries(source: Database, target: Database, organizationId: string, since: number | null): Promise<number> {
  let after = '';
  let copied = 0;
  for (;;) {
    const changed =
      since === null
        ? undefined
        : or(
            eq(webhookDeliveries.status, 'pending'),
            gt(webhookDeliveries.createdAt, since - 1),
            inArray(
              webhookDeliveries.id,
              source
                .select({ id: webhookAttempts.deliveryId })
                .from(webhookAttempts)
                .where(gt(webhookAttempts.startedAt, since - 1)),
            ),
          );
    const where = and(eq(webhookDeliveries.organizationId, organizationId), gt(webhookDeliveries.id, after), changed) as SQL;
    const deliveries = await readRows(source, webhookDeliveries, where, sql`id`, PAGE);
    if (deliveries.length === 0) return copied;
    const ids = deliveries.map((row) => String(row.id));
    const attempts = await readRows(source, webhookAttempts, inJsonList(webhookAttempts.deliveryId, ids));
    const [first, ...rest] = [
      ...writeRowStatements(target, webhookDeliveries, deliveries, { upsert: [webhookDeliveries.id] }),
      ...writeRowStatements(target, webhookAttempts, attempts, { ignore: true }),
    ];
    if (first) await target.batch([first, ...rest]);
    copied += deliveries.length;
    after = ids.at(-1) ?? after;
    if (deliveries.length < PAGE) return copied;
  }
}
