import type { EventSource } from '../contract/enums.ts';
import { GROUP_TEXT_FIELD_NAMES, type GroupTextField, OBJECT_GROUP_NAMES, OBJECT_GROUPS } from '../contract/object-groups.ts';
import type { FilterQueryValues } from '../contract/query.ts';
import { ApiError, badRequest } from '../errors.ts';
import { decodeCursor, type PageRequest } from './cursor.ts';
import { isSource, type ParsedSearch, parseSearch, SearchSyntaxError } from './search-grammar.ts';

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

/** Values an event must not have (the search box's `-qualifier:`). */
interface Exclusions {
  actorIds: string[];
  credentialIds: string[];
  actions: string[];
  objectTypes: string[];
  objectNames: string[];
  instanceNames: string[];
  sources: EventSource[];
  ips: string[];
}

/**
 * The audit-log filters in service terms: every list is "any of" (empty: no condition), null means
 * "no condition", and all of them hold at once. The query parameters and the search box's
 * qualifiers end up here alike, so both are served by the same indexes.
 */
export interface AuditLogFilters {
  actorIds: string[];
  /** The event's credential id (exact): everything one key or session did. */
  credentialIds: string[];
  actorTypes: string[];
  actions: string[];
  objectTypes: string[];
  objectNames: string[];
  instanceId: string | null;
  /** Instances by name (any type, deleted ones too): the search box's `instance:`. */
  instanceNames: string[];
  /** The actor's address is one of these addresses or in one of these CIDR prefixes (the search box's `ip:`). */
  ips: string[];
  /** Inclusive lower bound, ms. */
  startTime: number | null;
  /** Exclusive upper bound, ms. */
  endTime: number | null;
  sources: EventSource[];
  exclude: Exclusions;
  /** Free text: exact phrases and prefix words (already within the search bounds). */
  text: { phrases: string[]; words: string[] } | null;
  /** Akuity's object groups: an event matches when it matches any of them (none: no condition). */
  objectGroups: ObjectGroupFilter[];
  /** Kargo UI extension: events of this Kargo project (its object, or objects in it). */
  kargoProject: string | null;
  /** Two conditions on one field that no event can meet at once (e.g. two different actors). */
  nothing: boolean;
}

/**
 * Filters ready for an organization's shard: instance names are looked up in the main database
 * (where instances live) and travel as ids, so no shard query reads another database's table.
 */
export interface ResolvedFilters extends Omit<AuditLogFilters, 'instanceNames' | 'exclude'> {
  /** Events of any of these instances (null: no condition; empty: none can match). */
  instanceIds: string[] | null;
  exclude: Omit<Exclusions, 'instanceNames'> & { instanceIds: string[] };
}

/** The filters with their instance names replaced by the ids they name (`ids`: name → its instances' ids). */
export function withInstanceIds(filters: AuditLogFilters, idsNamed: (names: string[]) => string[]): ResolvedFilters {
  const { instanceNames, exclude, ...rest } = filters;
  const { instanceNames: excludedNames, ...excluded } = exclude;
  return {
    ...rest,
    instanceIds: instanceNames.length === 0 ? null : idsNamed(instanceNames),
    exclude: { ...excluded, instanceIds: excludedNames.length === 0 ? [] : idsNamed(excludedNames) },
  };
}

const NO_FILTERS: AuditLogFilters = {
  actorIds: [],
  credentialIds: [],
  actorTypes: [],
  actions: [],
  objectTypes: [],
  objectNames: [],
  instanceId: null,
  instanceNames: [],
  ips: [],
  startTime: null,
  endTime: null,
  sources: [],
  exclude: { actorIds: [], credentialIds: [], actions: [], objectTypes: [], objectNames: [], instanceNames: [], sources: [], ips: [] },
  text: null,
  objectGroups: [],
  kargoProject: null,
  nothing: false,
};

export const NO_RESOLVED_FILTERS: ResolvedFilters = withInstanceIds(NO_FILTERS, () => []);

const list = <T extends string>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

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

function parsedSearch(text: string | undefined): ParsedSearch | null {
  const trimmed = text?.trim();
  if (!trimmed) return null;
  try {
    return parseSearch(trimmed);
  } catch (error) {
    if (error instanceof SearchSyntaxError)
      throw new ApiError('invalid-query', error.message, [{ pointer: 'query/filters.q', detail: error.message }]);
    throw error;
  }
}

/** SQLite's NOCASE: only ASCII letters fold, as in the actor and action comparisons. */
const asciiLower = (value: string) => value.replace(/[A-Z]/g, (letter) => letter.toLowerCase());

/**
 * Both "any of" lists must hold: their intersection (an empty one matches nothing). For actor,
 * action and object type, which match regardless of case, values equal but for case are common to both.
 */
function both<T extends string>(first: T[], second: T[], impossible: { nothing: boolean }, caseless = false): T[] {
  if (first.length === 0) return second;
  if (second.length === 0) return first;
  const key = caseless ? asciiLower : (value: string) => value;
  const common = first.filter((value) => second.some((other) => key(other) === key(value)));
  if (common.length === 0) impossible.nothing = true;
  return common;
}

const later = (first: number | null, second: number | null) =>
  first === null ? second : second === null ? first : Math.max(first, second);
const earlier = (first: number | null, second: number | null) =>
  first === null ? second : second === null ? first : Math.min(first, second);

export function toFilters(query: FilterQueryValues): AuditLogFilters {
  const search = parsedSearch(query['filters.q']);
  const impossible = { nothing: false };
  const include = search?.include;
  return {
    actorIds: both(list(query['filters.actorId']), include?.actor ?? [], impossible, true),
    credentialIds: both(list(query['filters.credentialId']), include?.credential ?? [], impossible),
    actorTypes: list(query['filters.actorType']),
    actions: both(list(query['filters.action']), include?.action ?? [], impossible, true),
    objectTypes: both(list(query['filters.objectType']), include?.type ?? [], impossible, true),
    objectNames: both(list(query['filters.objectName']), include?.object ?? [], impossible),
    instanceId: query['filters.instanceId'] ?? null,
    instanceNames: include?.instance ?? [],
    ips: include?.ip ?? [],
    startTime: later(query['filters.startTime'] ?? null, search?.after ?? null),
    endTime: earlier(query['filters.endTime'] ?? null, search?.before ?? null),
    sources: both(list(query['filters.source']), (include?.source ?? []).filter(isSource), impossible),
    exclude: {
      actorIds: search?.exclude.actor ?? [],
      credentialIds: search?.exclude.credential ?? [],
      actions: search?.exclude.action ?? [],
      objectTypes: search?.exclude.type ?? [],
      objectNames: search?.exclude.object ?? [],
      instanceNames: search?.exclude.instance ?? [],
      sources: (search?.exclude.source ?? []).filter(isSource),
      ips: search?.exclude.ip ?? [],
    },
    text: search && search.words.length + search.phrases.length > 0 ? { words: search.words, phrases: search.phrases } : null,
    objectGroups: objectGroups(query),
    kargoProject: null,
    nothing: impossible.nothing,
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
