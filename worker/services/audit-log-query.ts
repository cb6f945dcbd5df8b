import { eventColumns } from './event-columns';
import { and, count, desc, eq, sql } from 'drizzle-orm';
import type { Database } from '../db/client';
import { auditEvents, eventWeeks } from '../db/schema';
import type { AuditLogPage } from '../contract/audit-event';
import { toEvent, type EventColumns } from '../events/event-shape';
import { badRequest, notFound } from '../errors';
import { encodeCursor, type Cursor, type PageRequest } from '../events/cursor';
import { instanceEverExisted } from './instances';
import type { ResolvedFilters } from '../events/filters';
import { searchMatch } from '../events/search-text';
import { filterConditions, INDEX_FIRST, type QueryPlan } from './filter-conditions';

/** Free-text matches (of the organization: the index is organization-scoped) up to which starting from them is cheaper. */
export const FTS_FIRST_LIMIT = 20_000;

/** The rowid: ties of equal timestamps go by insertion order (db/schema.ts). */
const position = sql<number>`${auditEvents}.rowid`;

const after = (cursor: Cursor) => sql`(${auditEvents.timestamp}, ${position}) < (${cursor.timestamp}, ${cursor.position})`;

/** The page's SELECT (one row more than the limit, to know whether another page exists). */
export function pageQuery(
  db: Database,
  organizationId: string,
  filters: ResolvedFilters,
  page: PageRequest,
  plan: QueryPlan = INDEX_FIRST,
) {
  const conditions = filterConditions(organizationId, filters, plan);
  return db
    .select({ ...eventColumns, position })
    .from(auditEvents)
    .where(and(...(page.cursor ? [...conditions, after(page.cursor)] : conditions)))
    .orderBy(desc(auditEvents.timestamp), desc(position))
    .limit(page.limit + 1)
    .offset(page.offset);
}

/** No condition at all: every list empty, every bound and option unset (the "all" fast path). */
function isUnfiltered(filters: ResolvedFilters): boolean {
  const empty = (value: unknown): boolean =>
    value === null ||
    value === false ||
    (Array.isArray(value) ? value.length === 0 : typeof value === 'object' && Object.values(value).every(empty));
  return Object.values(filters).every(empty);
}

/**
 * The number of matches. Unfiltered, it is the sum of the per-week counters that triggers keep in
 * event_weeks (exact, and O(weeks) instead of a scan of the organization's whole index range).
 */
export function countQuery(db: Database, organizationId: string, filters: ResolvedFilters, plan: QueryPlan = INDEX_FIRST) {
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
export async function choosePlan(db: Database, organizationId: string, filters: ResolvedFilters): Promise<QueryPlan> {
  const match = filters.text === null ? null : searchMatch(organizationId, filters.text);
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
  filters: ResolvedFilters,
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
    items: items.map((row) => toEvent(organizationId, row)),
    totalCount: totals[0]?.total ?? 0,
    nextCursor: rows.length > page.limit && last ? encodeCursor({ timestamp: last.timestamp, position: last.position }) : null,
  };
}

/**
 * Every match (or `limit` of them after skipping `offset`), newest first, in keyset pages: memory
 * stays at one page whatever the total. Only the first page uses the offset; the rest continue
 * from the last row, so the skip costs once.
 */
export async function* allMatchingRows(
  db: Database,
  organizationId: string,
  filters: ResolvedFilters,
  range: { limit: number | null; offset: number } = { limit: null, offset: 0 },
  pageSize = 1000,
): AsyncGenerator<EventColumns[]> {
  const plan = await choosePlan(db, organizationId, filters);
  let cursor: Cursor | null = null;
  let remaining = range.limit ?? Number.POSITIVE_INFINITY;
  let offset = range.offset;
  while (remaining > 0) {
    const size = Math.min(pageSize, remaining);
    // pageQuery reads limit + 1 rows, so this reads exactly `size` rows per page.
    const rows: (EventColumns & { position: number })[] = await pageQuery(
      db,
      organizationId,
      filters,
      { limit: size - 1, offset, cursor },
      plan,
    );
    offset = 0;
    if (rows.length > 0) yield rows;
    remaining -= rows.length;
    const last = rows.at(-1);
    if (rows.length < size || !last) return;
    cursor = { timestamp: last.timestamp, position: last.position };
  }
}

/** One instance's events: its history stays readable after the instance is deleted. */
export async function queryInstanceAuditLogs(
  control: Database,
  db: Database,
  organizationId: string,
  instanceId: string,
  filters: ResolvedFilters,
  page: PageRequest,
): Promise<AuditLogPage> {
  if (filters.instanceId !== null && filters.instanceId !== instanceId) {
    throw badRequest('filters.instanceId contradicts the instance in the path.');
  }
  if (!(await instanceEverExisted(control, organizationId, instanceId))) {
    throw notFound(`Instance ${instanceId} does not exist in organization ${organizationId}.`);
  }
  return queryAuditLogs(db, organizationId, { ...filters, instanceId }, page);
}
