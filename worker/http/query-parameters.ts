import { camelCase } from '../contract/object-groups.ts';

export interface CanonicalParameters {
  /** Each known parameter under its camelCase name; repeated keys (in either spelling) become lists. */
  values: Record<string, string | string[]>;
  /** Names as the client sent them that no known parameter matches. */
  unknown: string[];
}

/**
 * Query parameters by their canonical (JSON, camelCase) names. Akuity's gateway accepts a field
 * by its JSON name and by its protobuf name, per path segment (`filters.actor_id`,
 * `filters.argocd_application.object_name`), so both spellings name the same parameter here.
 */
export function canonicalParameters(search: URLSearchParams, known: ReadonlySet<string>): CanonicalParameters {
  const values: Record<string, string | string[]> = {};
  const unknown: string[] = [];
  for (const [name, value] of search) {
    const canonical = name.split('.').map(camelCase).join('.');
    if (!known.has(canonical)) {
      if (!unknown.includes(name)) unknown.push(name);
      continue;
    }
    const earlier = values[canonical];
    values[canonical] = earlier === undefined ? value : Array.isArray(earlier) ? [...earlier, value] : [earlier, value];
  }
  return { values, unknown };
}
