// Suggestions for the actor, action and object-type filters: the organization's most frequent
// values, from `GET …/audit-logs-facets?facet=…` (top 100). Where a Worker has no such endpoint
// (404), the caller keeps what it had before: the values of the rows already loaded.
import { api, type Fetch, isApiProblem } from '../shell/api.ts';
import type { Facet, FacetValues } from '../shell/api-types.ts';

export type { Facet };
export type FacetValue = FacetValues['values'][number];
type FacetList = FacetValues;

/** The top values of one facet, most frequent first; null when the API has no facets endpoint. */
export async function fetchFacet(fetchFn: Fetch, orgId: string, facet: Facet, signal?: AbortSignal): Promise<FacetValue[] | null> {
  const path = `/organizations/${encodeURIComponent(orgId)}/audit-logs-facets?${new URLSearchParams({ facet })}`;
  try {
    const { values } = await api<FacetList>(fetchFn, path, signal ? { signal } : {});
    return values;
  } catch (cause) {
    if (isApiProblem(cause, 404)) return null;
    throw cause;
  }
}

/**
 * What a filter field offers: the facet's values when there are any, followed by the fallback
 * values (known names and those of loaded rows) it does not already list.
 */
export function suggestionList(facet: readonly FacetValue[] | null, fallback: readonly string[]): string[] {
  const fromFacet = (facet ?? []).map((entry) => entry.value).filter((value) => value !== '');
  const seen = new Set(fromFacet);
  return [...fromFacet, ...fallback.filter((value) => !seen.has(value))];
}
