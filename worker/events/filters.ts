import type { EventSource } from '../contract/enums';
import { GROUP_TEXT_FIELD_NAMES, OBJECT_GROUP_NAMES, OBJECT_GROUPS, type GroupTextField } from '../contract/object-groups';
import type { FilterQueryValues } from '../contract/query';
import { ApiError, badRequest } from '../errors';
import { decodeCursor, type PageRequest } from './cursor';
import { searchTextProblem } from './search-text';

/**
 * One Akuity object filter group that takes part in a query: events of `objectType` meeting every
 * given field (any of its values), or, with includeChildObjects, events whose parent is one of the
 * group's object names.
 */
export interface ObjectGroupFilter {
  objectType: string;
  fields: Record<GroupTextField, string[]>;
  includeChildObjects: boolean;
}

/** The audit-log filters in service terms: every list is "any of", null means "no condition". */
export interface AuditLogFilters {
  actorIds: string[];
  actorTypes: string[];
  actions: string[];
  objectTypes: string[];
  objectName: string | null;
  instanceId: string | null;
  /** Inclusive lower bound, ms. */
  startTime: number | null;
  /** Exclusive upper bound, ms. */
  endTime: number | null;
  sources: EventSource[];
  /** Free text, already checked against the search bounds (see search-text.ts). */
  q: string | null;
  /** Akuity's object groups: an event matches when it matches any of them (none: no condition). */
  objectGroups: ObjectGroupFilter[];
  /** Kargo UI extension: events of this Kargo project (its object, or objects in it). */
  kargoProject: string | null;
}

export const NO_FILTERS: AuditLogFilters = {
  actorIds: [],
  actorTypes: [],
  actions: [],
  objectTypes: [],
  objectName: null,
  instanceId: null,
  startTime: null,
  endTime: null,
  sources: [],
  q: null,
  objectGroups: [],
  kargoProject: null,
};

const list = <T extends string>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

function checkedSearchText(text: string | undefined): string | null {
  const trimmed = text?.trim();
  if (!trimmed) return null;
  const problem = searchTextProblem(trimmed);
  if (problem) throw new ApiError('invalid-query', `filters.q: ${problem}`);
  return trimmed;
}

/**
 * The groups that take part: a group with `enabled: false` is off; otherwise it takes part when it
 * has a field, or `enabled: true` alone (every event of its type). `includeChildObjects` alone
 * adds nothing (it widens a group by its object names).
 */
function objectGroups(query: FilterQueryValues): ObjectGroupFilter[] {
  return OBJECT_GROUP_NAMES.flatMap((group) => {
    if (query[`filters.${group}.enabled`] === false) return [];
    const fields = Object.fromEntries(GROUP_TEXT_FIELD_NAMES.map((field) => [field, list(query[`filters.${group}.${field}`])])) as Record<
      GroupTextField,
      string[]
    >;
    const hasField = Object.values(fields).some((values) => values.length > 0);
    if (!hasField && query[`filters.${group}.enabled`] !== true) return [];
    return [{ objectType: OBJECT_GROUPS[group], fields, includeChildObjects: query[`filters.${group}.includeChildObjects`] === true }];
  });
}

export function toFilters(query: FilterQueryValues): AuditLogFilters {
  return {
    actorIds: list(query['filters.actorId']),
    actorTypes: list(query['filters.actorType']),
    actions: list(query['filters.action']),
    objectTypes: list(query['filters.objectType']),
    objectName: query['filters.objectName'] ?? null,
    instanceId: query['filters.instanceId'] ?? null,
    startTime: query['filters.startTime'] ?? null,
    endTime: query['filters.endTime'] ?? null,
    sources: list(query['filters.source']),
    q: checkedSearchText(query['filters.q']),
    objectGroups: objectGroups(query),
    kargoProject: null,
  };
}

/** The page a list query asks for: keyset `cursor` or Akuity-style `filters.offset`, not both. */
export function toPage(query: { cursor?: string | undefined; 'filters.limit': number; 'filters.offset': number }): PageRequest {
  if (query.cursor !== undefined && query['filters.offset'] > 0) throw badRequest('Use either cursor or filters.offset, not both.');
  const cursor = query.cursor === undefined ? null : decodeCursor(query.cursor);
  if (query.cursor !== undefined && cursor === null) {
    throw new ApiError('invalid-cursor', 'The cursor is not valid: pass nextCursor from a previous page unchanged.');
  }
  return { limit: query['filters.limit'], offset: query['filters.offset'], cursor };
}
