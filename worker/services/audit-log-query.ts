import { and, count, desc, eq, gte, lt, sql, type SQL } from 'drizzle-orm';
import type { Database } from '../db/client';
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core';
import { auditEvents, eventWeeks, type AuditEventRow } from '../db/schema';
import type { AuditLogPage } from '../contract/audit-event';
import { toEvent } from '../events/event-shape';
import { badRequest, notFound } from '../errors';
import { encodeCursor, type Cursor, type PageRequest } from '../events/cursor';
import { instanceEverExisted } from './instances';
import type { AuditLogFilters } from '../events/filters';
import { searchMatch } from '../events/search-text';

/**
 * How to run a free-text filter. `indexFirst` walks the organization's newest-first index and
 * checks each row against the FTS matches: best when the words are common. `ftsFirst` starts from
 * the FTS matches and sorts them: best when they are few (measured: a rare word on a 1M-event
 * organization, 58 ms → 1 ms; a common one, 145 ms → 5.6 s), so the plan is picked per query.
 */
export interface QueryPlan {
  ftsFirst: boolean;
}

const INDEX_FIRST: QueryPlan = { ftsFirst: false };

/** Free-text matches (of the organization: the index is organization-scoped) up to which starting from them is cheaper. */
export const FTS_FIRST_LIMIT = 20_000;

/** WHERE conditions of a filter; organization first so every plan starts with an index on it. */
export function filterConditions(organizationId: string, filters: AuditLogFilters, plan: QueryPlan = INDEX_FIRST): SQL[] {
  // `+column` keeps SQLite from using an index on it, steering it to the FTS rowids instead.
  const conditions: SQL[] = [
    plan.ftsFirst ? sql`+${auditEvents.organizationId} = ${organizationId}` : eq(auditEvents.organizationId, organizationId),
  ];
  // Several values travel as one JSON parameter: D1 binds at most 100 per statement.
  const oneOrMany = (column: SQLiteColumn, values: string[]) => {
    if (values.length === 1) conditions.push(eq(column, values[0] as string));
    else if (values.length > 1) conditions.push(sql`${column} IN (SELECT value FROM json_each(${JSON.stringify(values)}))`);
  };
  oneOrMany(auditEvents.actorId, filters.actorIds);
  oneOrMany(auditEvents.actorType, filters.actorTypes);
  oneOrMany(auditEvents.action, filters.actions);
  oneOrMany(auditEvents.objectType, filters.objectTypes);
  oneOrMany(auditEvents.source, filters.sources);
  if (filters.objectName !== null) conditions.push(eq(auditEvents.objectName, filters.objectName));
  if (filters.instanceId !== null) conditions.push(eq(auditEvents.instanceId, filters.instanceId));
  if (filters.startTime !== null) conditions.push(gte(auditEvents.timestamp, filters.startTime));
  if (filters.endTime !== null) conditions.push(lt(auditEvents.timestamp, filters.endTime));
  const match = filters.q === null ? null : searchMatch(organizationId, filters.q);
  if (match !== null) {
    conditions.push(sql`${auditEvents}.rowid IN (SELECT rowid FROM audit_events_search WHERE audit_events_search MATCH ${match})`);
  }
  return conditions;
}

const after = (cursor: Cursor) => sql`(${auditEvents.timestamp}, ${auditEvents.id}) < (${cursor.timestamp}, ${cursor.id})`;

/** The page's SELECT (one row more than the limit, to know whether another page exists). */
export function pageQuery(
  db: Database,
  organizationId: string,
  filters: AuditLogFilters,
  page: PageRequest,
  plan: QueryPlan = INDEX_FIRST,
) {
  const conditions = filterConditions(organizationId, filters, plan);
  return db
    .select()
    .from(auditEvents)
    .where(and(...(page.cursor ? [...conditions, after(page.cursor)] : conditions)))
    .orderBy(desc(auditEvents.timestamp), desc(auditEvents.id))
    .limit(page.limit + 1)
    .offset(page.offset);
}

function isUnfiltered(filters: AuditLogFilters): boolean {
  return (
    filters.actorIds.length + filters.actorTypes.length + filters.actions.length + filters.objectTypes.length + filters.sources.length ===
      0 &&
    filters.objectName === null &&
    filters.instanceId === null &&
    filters.startTime === null &&
    filters.endTime === null &&
    (filters.q === null || searchMatch('', filters.q) === null)
  );
}

/**
 * The number of matches. Unfiltered, it is the sum of the per-week counters that triggers keep in
 * event_weeks (exact, and O(weeks) instead of a scan of the organization's whole index range).
 */
export function countQuery(db: Database, organizationId: string, filters: AuditLogFilters, plan: QueryPlan = INDEX_FIRST) {
  if (isUnfiltered(filters)) {
    return db
      .select({ total: sql<number>`coalesce(sum(${eventWeeks.eventCount}), 0)` })
      .from(eventWeeks)
      .where(eq(eventWeeks.organizationId, organizationId));
  }
  return db
    .select({ total: count() })
    .from(auditEvents)
    .where(and(...filterConditions(organizationId, filters, plan)));
}

/** Picks the free-text plan: counts FTS matches, stopping at FTS_FIRST_LIMIT + 1. */
export async function choosePlan(db: Database, organizationId: string, filters: AuditLogFilters): Promise<QueryPlan> {
  const match = filters.q === null ? null : searchMatch(organizationId, filters.q);
  if (match === null) return INDEX_FIRST;
  const [row] = await db.all<{ matches: number }>(
    sql`SELECT count(*) AS matches FROM (SELECT 1 FROM audit_events_search WHERE audit_events_search MATCH ${match} LIMIT ${FTS_FIRST_LIMIT + 1})`,
  );
  return { ftsFirst: (row?.matches ?? 0) <= FTS_FIRST_LIMIT };
}

/**
 * One page, newest first, with the total number of matches. Keyset paging (`cursor`) neither skips
 * nor repeats events while new ones arrive; `offset` is Akuity-compatible but shifts under inserts.
 */
export async function queryAuditLogs(
  db: Database,
  organizationId: string,
  filters: AuditLogFilters,
  page: PageRequest,
): Promise<AuditLogPage> {
  const plan = await choosePlan(db, organizationId, filters);
  const [rows, totals] = await db.batch([
    pageQuery(db, organizationId, filters, page, plan),
    countQuery(db, organizationId, filters, plan),
  ]);
  const items = rows.slice(0, page.limit);
  const last = items.at(-1);
  return {
    items: items.map(toEvent),
    totalCount: totals[0]?.total ?? 0,
    nextCursor: rows.length > page.limit && last ? encodeCursor({ timestamp: last.timestamp, id: last.id }) : null,
  };
}

/** Every match, newest first, in keyset pages: memory stays at one page whatever the total. */
export async function* allMatchingRows(
  db: Database,
  organizationId: string,
  filters: AuditLogFilters,
  pageSize = 1000,
): AsyncGenerator<AuditEventRow[]> {
  const plan = await choosePlan(db, organizationId, filters);
  let cursor: Cursor | null = null;
  for (;;) {
    // pageQuery reads limit + 1 rows, so this reads exactly pageSize rows per page.
    const rows: AuditEventRow[] = await pageQuery(db, organizationId, filters, { limit: pageSize - 1, offset: 0, cursor }, plan);
    if (rows.length > 0) yield rows;
    const last = rows.at(-1);
    if (rows.length < pageSize || !last) return;
    cursor = { timestamp: last.timestamp, id: last.id };
  }
}

/** One instance's events: its history stays readable after the instance is deleted. */
export async function queryInstanceAuditLogs(
  db: Database,
  organizationId: string,
  instanceId: string,
  filters: AuditLogFilters,
  page: PageRequest,
): Promise<AuditLogPage> {
  if (filters.instanceId !== null && filters.instanceId !== instanceId) {
    throw badRequest('filters.instanceId contradicts the instance in the path.');
  }
  if (!(await instanceEverExisted(db, organizationId, instanceId))) {
    throw notFound(`Instance ${instanceId} does not exist in organization ${organizationId}.`);
  }
  return queryAuditLogs(db, organizationId, { ...filters, instanceId }, page);
}
