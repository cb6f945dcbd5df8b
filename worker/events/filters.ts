import type { FilterQueryValues } from '../contract/query';
import { ApiError, badRequest } from '../errors';
import type { EventSource } from '../contract/enums';
import { decodeCursor, type PageRequest } from './cursor';
import { searchTextProblem } from './search-text';

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
}

const list = <T extends string>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

function checkedSearchText(text: string | undefined): string | null {
  const trimmed = text?.trim();
  if (!trimmed) return null;
  const problem = searchTextProblem(trimmed);
  if (problem) throw new ApiError('invalid-query', `filters.q: ${problem}`);
  return trimmed;
}

export function toFilters(query: FilterQueryValues): AuditLogFilters {
  return {
    actorIds: list(query['filters.actorId']),
    actorTypes: list(query['filters.actorType']),
    actions: list(query['filters.action']),
    objectTypes: list(query['filters.objectType']),
    objectName: query['filters.objectName'] ?? null,
    instanceId: query['filters.instanceId'] ?? null,
    startTime: query['filters.startTime'] ? Date.parse(query['filters.startTime']) : null,
    endTime: query['filters.endTime'] ? Date.parse(query['filters.endTime']) : null,
    sources: list(query['filters.source']),
    q: checkedSearchText(query['filters.q']),
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
