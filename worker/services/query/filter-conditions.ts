import { and, eq, gte, lt, or, type SQL, sql } from 'drizzle-orm';
import { type SQLiteColumn, SQLiteSyncDialect } from 'drizzle-orm/sqlite-core';
import type { GroupTextField } from '../../contract/object-groups.ts';
import { D1_MAX_PARAMETERS } from '../../db/client.ts';
import { inJsonList, notInJsonList } from '../../db/json-list.ts';
import { auditEvents, type EventSource, SOURCE_CODES } from '../../db/schema.ts';
import { ApiError } from '../../errors.ts';
import type { Cursor } from '../../events/cursor.ts';
import type { ObjectGroupFilter, ResolvedFilters } from '../../events/filters.ts';
import { searchMatch } from '../../events/search-text.ts';
import { orgKey } from '../event-store/index.ts';
import { ipsCondition, ipsExclusion } from './ip-conditions.ts';

/**
 * How to run a free-text filter. `indexFirst` walks the organization's newest-first index and
 * checks each row against the FTS matches: best when the words are common. `ftsFirst` starts from
 * the FTS matches and sorts them: best when they are few (measured: a rare word on a 1M-event
 * organization, 58 ms → 1 ms; a common one, 145 ms → 5.6 s), so the plan is picked per query.
 */
export interface QueryPlan {
  ftsFirst: boolean;
  /**
   * Index-first only, for words too common for ftsFirst: the FTS matches are read in two parts. A
   * walk newest-first meets rows of the newest `rows` rows of the filter (after `before`, the page's
   * cursor) first; their matches are the FTS matches at or above the lowest rowid among them, a
   * small set. Only a row below that rowid (the walk went deeper) reads every match: SQLite
   * evaluates a CASE branch, and materialises its IN list, only when a row reaches it. Exact either
   * way; the first page of a common word never builds the set of all its matches.
   */
  recent?: { rows: number; before: Cursor | null };
}

export const INDEX_FIRST: QueryPlan = { ftsFirst: false };

/** The rowid: ties of equal timestamps go by insertion order (db/schema.ts). */
export const position = sql<number>`${auditEvents}.rowid`;

/** Rows after a cursor in the newest-first order. */
export const after = (cursor: Cursor) => sql`(${auditEvents.timestamp}, ${position}) < (${cursor.timestamp}, ${cursor.position})`;

/** Whether a row (of the outer query) is one of the free-text matches, as the plan reads them. */
function textCondition(match: string, others: SQL[], plan: QueryPlan): SQL {
  const matches = sql`SELECT rowid FROM audit_events_search WHERE audit_events_search MATCH ${match}`;
  if (!plan.recent) return sql`${position} IN (${matches})`;
  const { rows, before } = plan.recent;
  // Inside the subquery audit_events names the subquery's own table: the same conditions, no text.
  const newest = and(...(before ? [...others, after(before)] : others));
  const bound = sql`(SELECT min(rowid) FROM (SELECT ${position} AS rowid FROM ${auditEvents} WHERE ${newest} ORDER BY ${auditEvents.timestamp} DESC, ${position} DESC LIMIT ${sql.raw(String(rows))}))`;
  return sql`CASE WHEN ${position} >= ${bound} THEN ${position} IN (${matches} AND rowid >= ${bound}) ELSE ${position} IN (${matches}) END`;
}

/** Several values travel as one JSON parameter: D1 binds at most 100 per statement. */
function anyOf(column: SQLiteColumn, values: string[]): SQL | null {
  if (values.length === 0) return null;
  if (values.length === 1) return eq(column, values[0] as string);
  return inJsonList(column, values);
}

/**
 * Actor, action and object type match regardless of ASCII case (SQLite's NOCASE; Akuity's own
 * filter is exact, so this answers a superset). Their indexes are ordered COLLATE NOCASE (db/schema.ts), and the
 * collation sits on the column side of both forms: for `x IN (SELECT …)` SQLite compares with x's
 * collation, so one value and many values alike are a range of that index (query-plan.test.ts).
 */
function anyOfCaseless(column: SQLiteColumn, values: string[]): SQL | null {
  if (values.length === 0) return null;
  if (values.length === 1) return sql`${column} = ${values[0] as string} COLLATE NOCASE`;
  return inJsonList(sql`${column} COLLATE NOCASE`, values);
}

const GROUP_FIELD_COLUMNS: Record<GroupTextField, SQLiteColumn> = {
  objectName: auditEvents.objectName,
  objectKind: auditEvents.objectKind,
  objectGroup: auditEvents.objectGroup,
  objectNamespace: auditEvents.objectNamespace,
  objectParentName: auditEvents.parentName,
  objectParentParentName: auditEvents.parentParentName,
  objectParentApplicationName: auditEvents.parentApplicationName,
  objectParentKargoProjectName: auditEvents.parentKargoProjectName,
};

/**
 * One object group: its type and every field (all of them; any value of each), or, with
 * includeChildObjects, an event whose parent (name, parentName or applicationName) is one of the
 * group's object names, whatever its type.
 */
function groupCondition(organizationId: string, group: ObjectGroupFilter, alone: boolean): SQL {
  // The organization is repeated inside every branch: SQLite can then serve each branch of the OR
  // from its own (org_key, …) index ("MULTI-INDEX OR") instead of the whole organization.
  const inOrganization = eq(auditEvents.orgKey, orgKey(organizationId));
  // The type comes from the fixed group table (contract/object-groups.ts), never from the
  // request: a literal, which spends none of the statement's 100 bound values. Any case, like
  // every object type filter: a range of the type's NOCASE index.
  const own = and(
    inOrganization,
    sql`${auditEvents.objectType} = ${sql.raw(`'${group.objectType.replaceAll("'", "''")}'`)} COLLATE NOCASE`,
    ...Object.entries(group.fields).map(([field, values]) => anyOf(GROUP_FIELD_COLUMNS[field as GroupTextField], values) ?? undefined),
  ) as SQL;
  const names = group.fields.objectName;
  const children = group.includeChildObjects && names.length > 0;
  if (alone && !children) return own;
  // A branch of an OR with a COLLATE term is not served from an index (SQLite then walks the
  // table; query-plan.test.ts): as rowids found by its own query, the branch is a rowid lookup.
  // Inside the subquery audit_events names the subquery's own table.
  const ownBranch = sql`${position} IN (SELECT rowid FROM ${auditEvents} WHERE ${own})`;
  if (!children) return ownBranch;
  const child = (column: SQLiteColumn) => and(inOrganization, anyOf(column, names) ?? undefined);
  return or(ownBranch, child(auditEvents.parentName), child(auditEvents.parentParentName), child(auditEvents.parentApplicationName)) as SQL;
}

/**
 * Sources as the literal codes they are stored as: a literal `source IN (1)` lets SQLite use the
 * partial index of the service's own events (db/schema.ts), which a bound parameter would not.
 */
const sourceCodes = (sources: EventSource[]) => sql.raw(`(${sources.map((source) => SOURCE_CODES[source]).join(', ')})`);
const sourceIn = (sources: EventSource[]) =>
  // SQLite reads `IN (1)` as a list, not as the `= 1` the partial index is defined by.
  sources.length === 1
    ? sql`${auditEvents.source} = ${sql.raw(String(SOURCE_CODES[sources[0] as EventSource]))}`
    : sql`${auditEvents.source} IN ${sourceCodes(sources)}`;

/** `-qualifier:` values: residual conditions on whatever index range the rest of the filter uses. */
function exclusions(organizationId: string, exclude: ResolvedFilters['exclude']): SQL[] {
  const none = (column: SQLiteColumn, values: string[]) => (values.length === 0 ? [] : [notInJsonList(column, values)]);
  // `-actor:`, `-action:` and `-type:` leave out what `actor:`, `action:` and `type:` would find: any case.
  const noneCaseless = (column: SQLiteColumn, values: string[]) =>
    values.length === 0 ? [] : [notInJsonList(sql`${column} COLLATE NOCASE`, values)];
  return [
    ...noneCaseless(auditEvents.actorId, exclude.actorIds),
    ...noneCaseless(auditEvents.action, exclude.actions),
    // Events without a credential (the service's own, older ones) are not that credential's: kept.
    ...(exclude.credentialIds.length === 0 ? [] : [notInJsonList(sql`coalesce(${auditEvents.credentialId}, '')`, exclude.credentialIds)]),
    ...noneCaseless(auditEvents.objectType, exclude.objectTypes),
    ...none(auditEvents.objectName, exclude.objectNames),
    ...(exclude.sources.length === 0 ? [] : [sql`${auditEvents.source} NOT IN ${sourceCodes(exclude.sources)}`]),
    ...(exclude.instanceIds.length === 0 ? [] : [notInJsonList(sql`coalesce(${auditEvents.instanceId}, '')`, exclude.instanceIds)]),
    ...[ipsExclusion(exclude.ips, orgKey(organizationId))].filter((condition) => condition !== null),
  ];
}

/** WHERE conditions of a filter; organization first so every plan starts with an index on it. */
export function filterConditions(organizationId: string, filters: ResolvedFilters, plan: QueryPlan = INDEX_FIRST): SQL[] {
  // `+column` keeps SQLite from using an index on it: with free text on few matches it steers the
  // plan to the FTS rowids; with object groups, to one index range per group (each branch of their
  // OR names the organization itself), and so with `ip:` prefixes; never to a walk over
  // the whole organization.
  const ips = ipsCondition(filters.ips, orgKey(organizationId));
  const steered = plan.ftsFirst || filters.objectGroups.length > 0 || ips?.steered === true;
  const conditions: SQL[] = [
    steered ? sql`+${auditEvents.orgKey} = ${orgKey(organizationId)}` : eq(auditEvents.orgKey, orgKey(organizationId)),
  ];
  const oneOrMany = (column: SQLiteColumn, values: string[], match = anyOf) => {
    const condition = match(column, values);
    if (condition) conditions.push(condition);
  };
  oneOrMany(auditEvents.actorId, filters.actorIds, anyOfCaseless);
  oneOrMany(auditEvents.credentialId, filters.credentialIds);
  oneOrMany(auditEvents.actorType, filters.actorTypes);
  oneOrMany(auditEvents.action, filters.actions, anyOfCaseless);
  oneOrMany(auditEvents.objectType, filters.objectTypes, anyOfCaseless);
  if (filters.sources.length > 0) conditions.push(sourceIn(filters.sources));
  oneOrMany(auditEvents.objectName, filters.objectNames);
  if (filters.instanceId !== null) conditions.push(eq(auditEvents.instanceId, filters.instanceId));
  if (filters.instanceIds !== null) {
    if (filters.instanceIds.length === 0) conditions.push(sql`0`);
    else oneOrMany(auditEvents.instanceId, filters.instanceIds);
  }
  if (ips) conditions.push(ips.condition);
  if (filters.startTime !== null) conditions.push(gte(auditEvents.timestamp, filters.startTime));
  if (filters.endTime !== null) conditions.push(lt(auditEvents.timestamp, filters.endTime));
  conditions.push(...exclusions(organizationId, filters.exclude));
  if (filters.nothing) conditions.push(sql`0`);
  // Akuity's object groups: any of them (each its own index range, see query-plan.test.ts).
  if (filters.objectGroups.length > 0)
    conditions.push(
      or(...filters.objectGroups.map((group) => groupCondition(organizationId, group, filters.objectGroups.length === 1))) as SQL,
    );
  if (filters.kargoProject !== null) {
    conditions.push(
      or(
        eq(auditEvents.parentKargoProjectName, filters.kargoProject),
        // lower(), not COLLATE: a branch of an OR (see groupCondition); any case all the same.
        and(sql`lower(${auditEvents.objectType}) = 'kargo_project'`, eq(auditEvents.objectName, filters.kargoProject)),
      ) as SQL,
    );
  }
  // Last: its recent plan repeats every other condition to find where the newest rows end.
  const match = filters.text === null ? null : searchMatch(organizationId, filters.text);
  if (match !== null) conditions.push(textCondition(match, [...conditions], plan));
  return withinBindLimit(conditions);
}

/** What a filter may bind of a statement's D1_MAX_PARAMETERS: the page's cursor, limit and offset need a few. */
const MAX_FILTER_VALUES = D1_MAX_PARAMETERS - 10;
const dialect = new SQLiteSyncDialect();

/**
 * A filter that would need more bound values than a D1 statement takes (e.g. every field of every
 * object group at once) is the client's 400, said plainly, instead of the database's error.
 */
function withinBindLimit(conditions: SQL[]): SQL[] {
  const { params } = dialect.sqlToQuery(sql.join(conditions, sql` AND `));
  if (params.length > MAX_FILTER_VALUES) {
    throw new ApiError(
      'invalid-parameters',
      `This filter needs ${params.length} values in one query; at most ${MAX_FILTER_VALUES} fit. Several values of one field count once: ask fewer object groups or fields per request and combine the answers.`,
    );
  }
  return conditions;
}
