// Which filter removed everything: when a view finds no events, the same view with one filter
// left out at a time, each counted (no-match-message.svelte asks the histogram endpoint, one
// request per filter, only when the list is empty). A filter whose removal brings events back is
// the one to name ("No events match `action:delete`: without it, 42 events match").
import { type AuditFilters, clearedFilters } from './audit-filters.ts';
import { QUALIFIERS, tokenize, withoutToken } from './search-query.ts';

export interface Relaxation {
  /** What is left out, as the user wrote or chose it: `action:delete`, `actor: alice`, `the time range`. */
  label: string;
  /** True when the label is a search token (shown as code). */
  token: boolean;
  /** The view's filters without it. */
  filters: AuditFilters;
}

/** Filters left out at most (one count each): the search tokens first, then the fields, then the time range. */
export const MAX_RELAXATIONS = 8;

/** How far back "without the time range" counts: the longest hot retention an organization can set. */
const ALL_TIME_DAYS = 3650;

const qualifierLabel = (name: string): string => QUALIFIERS.find((qualifier) => qualifier.name === name)?.label ?? name;

export function relaxations(filters: AuditFilters, { instanceFixed, now }: { instanceFixed: boolean; now: number }): Relaxation[] {
  const found: Relaxation[] = [];
  const tokens = tokenize(filters.q) ?? [];
  tokens.forEach((token, index) => {
    found.push({ label: token, token: true, filters: { ...filters, q: withoutToken(filters.q, index) } });
  });
  const field = (values: string[], name: string, without: Partial<AuditFilters>) => {
    if (values.length > 0)
      found.push({ label: `${qualifierLabel(name)}: ${values.join(', ')}`, token: false, filters: { ...filters, ...without } });
  };
  field(filters.actors, 'actor', { actors: [] });
  field(filters.actions, 'action', { actions: [] });
  field(filters.objectTypes, 'type', { objectTypes: [] });
  if (!instanceFixed && filters.instanceId) {
    found.push({ label: 'the instance filter', token: false, filters: { ...filters, instanceId: null } });
  }
  const noObjects = clearedFilters(filters).objects;
  if (JSON.stringify(filters.objects) !== JSON.stringify(noObjects)) {
    found.push({ label: 'the object filters', token: false, filters: { ...filters, objects: noObjects } });
  }
  const allTime = new Date(now - ALL_TIME_DAYS * 24 * 60 * 60 * 1000).toISOString();
  found.push({ label: 'the time range', token: false, filters: { ...filters, range: 'custom', from: allTime, to: null } });
  return found.slice(0, MAX_RELAXATIONS);
}

export interface RelaxationCount {
  relaxation: Relaxation;
  count: number;
}

/**
 * The sentence for the empty view: the one filter that removed everything when exactly one
 * brings events back; else each that does; else that no single one did.
 */
export function explanation(counts: readonly RelaxationCount[]): { culprit: RelaxationCount | null; others: RelaxationCount[] } {
  const helping = counts.filter((entry) => entry.count > 0);
  if (helping.length === 1) return { culprit: helping[0] ?? null, others: [] };
  return { culprit: null, others: helping };
}
