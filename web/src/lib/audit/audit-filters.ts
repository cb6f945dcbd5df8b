// The Audit Logs view's filters live in the page URL and nowhere else, so a copied link, a
// reload and the back button all reproduce the same view. This module is the only place that
// reads or writes those query parameters, and the only place that turns them into API filters
// (the object filters' own table is in object-filters.ts; the search box's share of the fields is
// in search-fields.ts; parameters it cannot read are url-problems.ts's).
import { activeObjectFilters, type ObjectFilters, objectFilterParams, parseObjectFilters, writeObjectFilters } from './object-filters.ts';
import { mergeLifted } from './search-fields.ts';

export type RangePreset = '24h' | '7d' | '30d';
export type RangeKey = RangePreset | 'custom';

export const RANGE_PRESETS: readonly { key: RangePreset; label: string; ms: number }[] = [
  { key: '24h', label: 'Last 24 hours', ms: 24 * 60 * 60 * 1000 },
  { key: '7d', label: 'Last 7 days', ms: 7 * 24 * 60 * 60 * 1000 },
  { key: '30d', label: 'Last 30 days', ms: 30 * 24 * 60 * 60 * 1000 },
];

export const DEFAULT_RANGE: RangePreset = '7d';

export interface AuditFilters {
  range: RangeKey;
  /** Custom range bounds as ISO instants (zone-free, so a shared link means the same moment). */
  from: string | null;
  to: string | null;
  actors: string[];
  actions: string[];
  objectTypes: string[];
  instanceId: string | null;
  /** Application, project, cluster, namespace, Kargo project and stage (Akuity's object groups). */
  objects: ObjectFilters;
  q: string;
  /** Show times in UTC instead of the browser's zone. A view setting, not an API filter. */
  utc: boolean;
}

/** The half-open interval the view covers: start inclusive, end exclusive (like the API). */
export interface TimeWindow {
  start: Date;
  end: Date;
  /** A preset ends "now"; the API then gets no end bound, so fresh events still show up. */
  openEnded: boolean;
}

const list = (params: URLSearchParams, name: string): string[] =>
  params
    .getAll(name)
    .flatMap((value) => value.split(','))
    .map((value) => value.trim())
    .filter((value) => value !== '');

const instant = (value: string | null): string | null => {
  if (!value) return null;
  const time = Date.parse(value);
  return Number.isNaN(time) ? null : new Date(time).toISOString();
};

/**
 * Reads the filters from a query string. `readView: false` skips the display settings (`utc`):
 * a load function that doesn't read them doesn't re-run, or refetch, when only they change.
 */
export function parseFilters(params: URLSearchParams, readView = true): AuditFilters {
  const rawRange = params.get('range');
  const range: RangeKey =
    rawRange === 'custom' || RANGE_PRESETS.some((preset) => preset.key === rawRange) ? (rawRange as RangeKey) : DEFAULT_RANGE;
  // `actor:`, `action:` and `type:` in `q` belong to their fields (search-fields.ts).
  const { q, ...lists } = mergeLifted(
    { actors: list(params, 'actor'), actions: list(params, 'action'), objectTypes: list(params, 'objectType') },
    params.get('q')?.trim() ?? '',
  );
  return {
    range,
    from: range === 'custom' ? instant(params.get('from')) : null,
    to: range === 'custom' ? instant(params.get('to')) : null,
    ...lists,
    instanceId: params.get('instance') || null,
    objects: parseObjectFilters(params),
    q,
    utc: readView && params.get('utc') === '1',
  };
}

/** Canonical query string for the filters: defaults are left out so links stay short. */
export function filtersToSearch(filters: AuditFilters): string {
  const params = new URLSearchParams();
  if (filters.range !== DEFAULT_RANGE) params.set('range', filters.range);
  if (filters.range === 'custom') {
    if (filters.from) params.set('from', filters.from);
    if (filters.to) params.set('to', filters.to);
  }
  for (const actor of filters.actors) params.append('actor', actor);
  for (const action of filters.actions) params.append('action', action);
  for (const type of filters.objectTypes) params.append('objectType', type);
  if (filters.instanceId) params.set('instance', filters.instanceId);
  writeObjectFilters(filters.objects, params);
  if (filters.q) params.set('q', filters.q);
  if (filters.utc) params.set('utc', '1');
  const search = params.toString();
  return search ? `?${search}` : '';
}

/** True when anything beyond the default time range and display settings narrows the view. */
export function hasNarrowingFilters(filters: AuditFilters): boolean {
  return (
    filters.range !== DEFAULT_RANGE ||
    filters.actors.length > 0 ||
    filters.actions.length > 0 ||
    filters.objectTypes.length > 0 ||
    filters.instanceId !== null ||
    activeObjectFilters(filters.objects) > 0 ||
    filters.q !== ''
  );
}

/** The filters with everything cleared except the display settings. */
export function clearedFilters(filters: AuditFilters): AuditFilters {
  return { ...parseFilters(new URLSearchParams()), utc: filters.utc };
}

export function timeWindow(filters: AuditFilters, now: number): TimeWindow {
  if (filters.range === 'custom') {
    const end = filters.to ? Date.parse(filters.to) : now;
    // A custom range with only an end still needs a start for the chart; a week is the default span.
    const start = filters.from ? Date.parse(filters.from) : end - 7 * 24 * 60 * 60 * 1000;
    // Swapped bounds are almost always a slip; read them the way the user meant them.
    return start <= end
      ? { start: new Date(start), end: new Date(end), openEnded: filters.to === null }
      : { start: new Date(end), end: new Date(start), openEnded: false };
  }
  const preset = RANGE_PRESETS.find((candidate) => candidate.key === filters.range);
  const span = preset?.ms ?? 7 * 24 * 60 * 60 * 1000;
  return { start: new Date(now - span), end: new Date(now), openEnded: true };
}

/**
 * The API's `filters.*` parameters for the view (no paging parameters). `fixedInstanceId` is the
 * instance of an instance page; it wins over any `instance` in the URL.
 */
export function apiFilterParams(filters: AuditFilters, period: TimeWindow, fixedInstanceId: string | null = null): URLSearchParams {
  const params = new URLSearchParams();
  for (const actor of filters.actors) params.append('filters.actorId', actor);
  for (const action of filters.actions) params.append('filters.action', action);
  for (const type of filters.objectTypes) params.append('filters.objectType', type);
  const instanceId = fixedInstanceId ?? filters.instanceId;
  if (instanceId) params.set('filters.instanceId', instanceId);
  objectFilterParams(filters.objects, params);
  if (filters.q) params.set('filters.q', filters.q);
  params.set('filters.startTime', period.start.toISOString());
  if (!period.openEnded) params.set('filters.endTime', period.end.toISOString());
  return params;
}
