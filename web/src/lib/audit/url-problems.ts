// A link's query parameters the Audit Logs view cannot read: an unknown key (`?colour=red`, a typo
// such as `?actr=alice`) or a known key with a value it cannot use (`?from=notadate`). They are
// never dropped in silence: a view that left a filter out could be taken for the filtered one. The
// view shows each with a way to remove it and shows no events until the link is fixed.
import { RANGE_PRESETS } from './audit-filters.ts';
import { OBJECT_FIELDS } from './object-filters.ts';

export interface UrlProblem {
  key: string;
  value: string;
  /** What is wrong and what would be right, in words. */
  message: string;
}

/**
 * Every key the view reads: filters (audit-filters.ts, object-filters.ts), the zone (`utc`) and the
 * open event (`event`, `at`, event-link.ts). A new URL key of the view is added here too.
 */
const VIEW_KEYS: ReadonlySet<string> = new Set([
  'range',
  'from',
  'to',
  'actor',
  'action',
  'objectType',
  'instance',
  'q',
  'utc',
  'event',
  'at',
  'children',
  ...OBJECT_FIELDS.map(({ key }) => key),
]);

const RANGES = [...RANGE_PRESETS.map((preset) => preset.key), 'custom'];
const FLAGS = ['0', '1'];

function unknownKey(key: string): string {
  if (key === 'after' || key === 'before')
    return `"${key}" is not a parameter of this page. For a time range choose "Custom range" (from, to), or search ${key}:YYYY-MM-DD.`;
  if (key.startsWith('filters.')) return `"${key}" is an API parameter; this page's link uses the filter names without "filters.".`;
  return `"${key}" is not a filter of this page.`;
}

function badValue(key: string, value: string, params: URLSearchParams): string | null {
  if (key === 'range' && !RANGES.includes(value)) return `"${value}" is not a time range: use ${RANGES.join(', ')}.`;
  if ((key === 'from' || key === 'to') && Number.isNaN(Date.parse(value)))
    return `"${value}" is not a date and time (e.g. 2026-11-20T00:00:00Z).`;
  if ((key === 'from' || key === 'to') && params.get('range') !== 'custom') return `"${key}" only applies with range=custom.`;
  if ((key === 'utc' || key === 'children') && !FLAGS.includes(value)) return `"${value}" is not 0 or 1.`;
  return null;
}

/** The link's problems, in the order of its parameters. */
export function urlProblems(params: URLSearchParams): UrlProblem[] {
  const problems: UrlProblem[] = [];
  for (const [key, value] of params) {
    const message = VIEW_KEYS.has(key) ? badValue(key, value, params) : unknownKey(key);
    if (message) problems.push({ key, value, message });
  }
  return problems;
}

/** The same link without one problem's parameter (that key with that value), or without all of them. */
export function withoutProblems(url: Pick<URL, 'pathname' | 'search'>, problems: readonly UrlProblem[]): string {
  const params = new URLSearchParams(url.search);
  for (const { key, value } of problems) params.delete(key, value);
  const search = params.toString();
  return `${url.pathname}${search ? `?${search}` : ''}`;
}
