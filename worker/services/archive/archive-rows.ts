import { and, asc, desc, eq, gte, isNull, lt, lte, sql } from 'drizzle-orm';
import { DAY_MS, weekStartDate } from '../../archive/week.ts';
import type { Database } from '../../db/client.ts';
import { archives, auditEvents, eventWeeks } from '../../db/schema.ts';
import type { EventColumns } from '../../events/event-shape.ts';
import { eventColumns, eventColumnsFromValues, orgKey } from '../event-store/index.ts';

export type ArchiveRow = typeof archives.$inferSelect;

/**
 * (organization, week) pairs to build: closed weeks with events and no archive, and archived weeks
 * that received events after their last build (a new revision). Reads event_weeks only.
 */
export async function dueArchiveWeeks(db: Database, currentWeekStart: string): Promise<{ organizationId: string; startDate: string }[]> {
  const latestBuild = sql`(SELECT max(${archives.builtAt}) FROM ${archives} WHERE ${archives.organizationId} = ${eventWeeks.organizationId} AND ${archives.startDate} = ${eventWeeks.startDate})`;
  return db
    .select({ organizationId: eventWeeks.organizationId, startDate: eventWeeks.startDate })
    .from(eventWeeks)
    .where(and(lt(eventWeeks.startDate, currentWeekStart), sql`${eventWeeks.lastReceivedAt} > coalesce(${latestBuild}, -1)`))
    .orderBy(asc(eventWeeks.startDate), asc(eventWeeks.organizationId));
}

export async function weekLastReceivedAt(db: Database, organizationId: string, startDate: string): Promise<number | null> {
  const [row] = await db
    .select({ lastReceivedAt: eventWeeks.lastReceivedAt })
    .from(eventWeeks)
    .where(and(eq(eventWeeks.organizationId, organizationId), eq(eventWeeks.startDate, startDate)))
    .limit(1);
  return row?.lastReceivedAt ?? null;
}

export async function latestRevision(db: Database, organizationId: string, startDate: string): Promise<ArchiveRow | null> {
  const [row] = await db
    .select()
    .from(archives)
    .where(and(eq(archives.organizationId, organizationId), eq(archives.startDate, startDate)))
    .orderBy(desc(archives.revision))
    .limit(1);
  return row ?? null;
}

/** The organization's most recently recorded manifest: the head of its hash chain. */
export async function chainHead(db: Database, organizationId: string): Promise<string | null> {
  const [row] = await db
    .select({ manifestSha256: archives.manifestSha256 })
    .from(archives)
    .where(eq(archives.organizationId, organizationId))
    .orderBy(sql`rowid DESC`)
    .limit(1);
  return row?.manifestSha256 ?? null;
}

/**
 * Records a built archive, but only if the chain head is still the manifest it points back to (and
 * the revision is new): two builds racing for one organization cannot fork the chain; the loser
 * retries with the new head. Returns false when the condition failed.
 */
export async function recordArchive(db: Database, row: ArchiveRow): Promise<boolean> {
  const head = sql`(SELECT ${archives.manifestSha256} FROM ${archives} WHERE ${archives.organizationId} = ${row.organizationId} ORDER BY rowid DESC LIMIT 1)`;
  const inserted = await db
    .insert(archives)
    .select(
      sql`SELECT ${row.organizationId}, ${row.startDate}, ${row.revision}, ${row.r2Key}, ${row.bytes}, ${row.sha256}, ${row.records},
        ${row.manifestSha256}, ${row.previousManifestSha256}, ${row.builtAt}, NULL
        WHERE ${head} IS ${row.previousManifestSha256}`,
    )
    .onConflictDoNothing()
    .returning({ revision: archives.revision });
  return inserted.length === 1;
}

/**
 * A day's events received by `snapshot`, from `fromMs` (the day's start, or a page's keyset
 * position) to the day's end: what a day file holds, and so what its fingerprint counts.
 */
function receivedDayEvents(organizationId: string, fromMs: number, day: { endMs: number }, snapshot: number) {
  return and(
    eq(auditEvents.orgKey, orgKey(organizationId)),
    gte(auditEvents.timestamp, fromMs),
    lt(auditEvents.timestamp, day.endMs),
    lte(auditEvents.receivedAt, snapshot),
  );
}

/**
 * One page of a day's events, ascending by (timestamp, id) as the day files are: the
 * (org_key, timestamp, sequence) index gives the timestamp order and SQLite sorts only events of
 * equal timestamp by id ("TEMP B-TREE FOR RIGHT PART OF ORDER BY"), so a page stops at its limit.
 */
export function dayPageQuery(
  db: Database,
  organizationId: string,
  day: { startMs: number; endMs: number },
  snapshot: number,
  pageSize: number,
  after: { timestamp: number; id: string } | null,
) {
  return db
    .select(eventColumns)
    .from(auditEvents)
    .where(
      and(
        receivedDayEvents(organizationId, after ? after.timestamp : day.startMs, day, snapshot),
        after ? sql`(${auditEvents.timestamp} > ${after.timestamp} OR ${auditEvents.id} > ${after.id})` : undefined,
      ),
    )
    .orderBy(asc(auditEvents.timestamp), asc(auditEvents.id))
    .limit(pageSize);
}

/**
 * One UTC day's events received by `snapshot`, ascending by (timestamp, id), in keyset pages. The
 * next page is requested before the current one is handed out, so D1's latency overlaps with the
 * serialising and compressing of the page before it (two pages in memory at most).
 */
export async function* dayEventPages(
  db: Database,
  organizationId: string,
  day: { startMs: number; endMs: number },
  snapshot: number,
  pageSize: number,
): AsyncGenerator<EventColumns[]> {
  const fetchPage = async (after: { timestamp: number; id: string } | null): Promise<EventColumns[]> =>
    (await dayPageQuery(db, organizationId, day, snapshot, pageSize, after).values()).map(eventColumnsFromValues);
  let pending: Promise<EventColumns[]> | null = fetchPage(null);
  try {
    while (pending) {
      const rows: EventColumns[] = await pending;
      const last = rows.at(-1);
      pending = last && rows.length === pageSize ? fetchPage({ timestamp: last.timestamp, id: last.id }) : null;
      if (rows.length > 0) yield rows;
    }
  } finally {
    // Abandoned mid-way (the build failed): the prefetched page is not awaited by anyone.
    pending?.catch(() => undefined);
  }
}

/** What identifies the events of one day up to a snapshot (see services/archive/day-parts.ts). */
export interface DayFingerprint {
  records: number;
  /** 0 for a day with no events. */
  maxSequence: number;
}

/**
 * How many of the day's events were received by `snapshot`, and the highest sequence among them.
 * Events are never changed and each stored event takes the next sequence of its organization, so
 * two equal fingerprints of one day (the later snapshot's set holding the earlier one's) mean the
 * same events: an event added since raises the count or the highest sequence, one deleted lowers
 * the count unless an added one (with a higher sequence) took its place.
 */
export async function dayFingerprint(
  db: Database,
  organizationId: string,
  day: { startMs: number; endMs: number },
  snapshot: number,
): Promise<DayFingerprint> {
  const [row] = await db
    .select({ records: sql<number>`count(*)`, maxSequence: sql<number>`coalesce(max(${auditEvents.sequence}), 0)` })
    .from(auditEvents)
    .where(receivedDayEvents(organizationId, day.startMs, day, snapshot));
  return { records: row?.records ?? 0, maxSequence: row?.maxSequence ?? 0 };
}

/**
 * Organizations with events on the day starting at `dayStartMs`. Candidates are those that
 * received an event in that day's week since the day began (an event is received after its own
 * time; clock skew only costs a day deflated by its week's build instead of ahead), then each is
 * checked on its (org_key, timestamp) index range.
 */
export async function organizationsWithDayEvents(db: Database, dayStartMs: number): Promise<string[]> {
  const rows = await db
    .select({ organizationId: eventWeeks.organizationId })
    .from(eventWeeks)
    .where(
      and(
        eq(eventWeeks.startDate, weekStartDate(dayStartMs)),
        gte(eventWeeks.lastReceivedAt, dayStartMs),
        isNull(eventWeeks.purgedAt),
        sql`EXISTS (SELECT 1 FROM ${auditEvents} WHERE ${auditEvents.orgKey} = ${orgKey(eventWeeks.organizationId)}
          AND ${auditEvents.timestamp} >= ${dayStartMs} AND ${auditEvents.timestamp} < ${dayStartMs + DAY_MS})`,
      ),
    )
    .orderBy(asc(eventWeeks.organizationId));
  return rows.map((row) => row.organizationId);
}

export interface ArchiveListFilter {
  /** Weeks starting on or after this Monday-or-other date (YYYY-MM-DD). */
  minStartDate: string | null;
  /** Weeks starting on or before this date. */
  maxStartDate: string | null;
  limit: number;
  offset: number;
}

/** The latest revision of each archived week, newest week first, and how many weeks match. */
export async function listArchives(
  db: Database,
  organizationId: string,
  filter: ArchiveListFilter,
): Promise<{ rows: ArchiveRow[]; total: number }> {
  const conditions = [
    eq(archives.organizationId, organizationId),
    sql`${archives.revision} = (SELECT max(inner_archives.revision) FROM ${archives} AS inner_archives WHERE inner_archives.organization_id = ${archives.organizationId} AND inner_archives.start_date = ${archives.startDate})`,
  ];
  if (filter.minStartDate) conditions.push(gte(archives.startDate, filter.minStartDate));
  if (filter.maxStartDate) conditions.push(lte(archives.startDate, filter.maxStartDate));
  const [rows, totals] = await db.batch([
    db
      .select()
      .from(archives)
      .where(and(...conditions))
      .orderBy(desc(archives.startDate))
      .limit(filter.limit)
      .offset(filter.offset),
    db
      .select({ total: sql<number>`count(*)` })
      .from(archives)
      .where(and(...conditions)),
  ]);
  return { rows, total: totals[0]?.total ?? 0 };
}

export async function findArchive(db: Database, organizationId: string, startDate: string, revision: number): Promise<ArchiveRow | null> {
  const [row] = await db
    .select()
    .from(archives)
    .where(and(eq(archives.organizationId, organizationId), eq(archives.startDate, startDate), eq(archives.revision, revision)))
    .limit(1);
  return row ?? null;
}
