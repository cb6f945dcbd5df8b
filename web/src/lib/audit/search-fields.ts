// The search box and the Actor, Action and Object type fields are two views of the same filters.
// The URL keeps positive `actor:`, `action:` and `type:` qualifiers in the fields' own parameters
// (`actor`, `action`, `objectType`) and everything else in `q`; the search box shows both together
// (`type:kargo_promotion payments`), so a qualifier typed in the box shows in its field, a value
// typed in a field shows in the box and as a chip, and removing the chip clears the field.
import { splitValues, tokenize } from './search-query.ts';

/** The filter lists that have both a field and a search qualifier. */
export interface FieldLists {
  actors: string[];
  actions: string[];
  objectTypes: string[];
}

export type FieldListKey = keyof FieldLists;

/** Each list's qualifier, in the order the search box shows them. */
export const FIELD_QUALIFIERS: readonly { qualifier: string; key: FieldListKey }[] = [
  { qualifier: 'actor', key: 'actors' },
  { qualifier: 'action', key: 'actions' },
  { qualifier: 'type', key: 'objectTypes' },
];

export interface LiftedSearch extends FieldLists {
  /** The rest of the text: words, phrases, exclusions and the qualifiers without a field, as typed. */
  rest: string;
}

const fold = (value: string) => value.replace(/[A-Z]/g, (letter) => letter.toLowerCase());

/** Values without repeats; like the filters they become, equal but for (ASCII) case is a repeat. */
function unique(values: string[]): string[] {
  const seen = new Set<string>();
  return values.filter((value) => {
    const key = fold(value);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Takes the positive field qualifiers out of search text. Null when the text cannot be split
 * (an unclosed quote): it is then left whole for the Worker, whose 400 names the mistake. A
 * qualifier with an empty value is left in the rest for the same reason.
 */
export function liftFieldQualifiers(text: string): LiftedSearch | null {
  const tokens = tokenize(text);
  if (!tokens) return null;
  const lifted: LiftedSearch = { actors: [], actions: [], objectTypes: [], rest: '' };
  const rest: string[] = [];
  for (const token of tokens) {
    const colon = token.indexOf(':');
    const field =
      colon > 0 && !token.startsWith('"') ? FIELD_QUALIFIERS.find(({ qualifier }) => qualifier === token.slice(0, colon)) : null;
    const values = field ? splitValues(token.slice(colon + 1)) : [];
    if (!field || values.some((value) => value === '')) rest.push(token);
    else lifted[field.key].push(...values);
  }
  for (const { key } of FIELD_QUALIFIERS) lifted[key] = unique(lifted[key]);
  lifted.rest = rest.join(' ');
  return lifted;
}

const quoted = (value: string) => (/[\s,"]/.test(value) ? `"${value.replaceAll('"', '')}"` : value);

/** What the search box shows: the field lists as qualifiers, then the rest of the search. */
export function composeSearch(lists: FieldLists, rest: string): string {
  const parts = FIELD_QUALIFIERS.filter(({ key }) => lists[key].length > 0).map(
    ({ qualifier, key }) => `${qualifier}:${lists[key].map(quoted).join(',')}`,
  );
  if (rest) parts.push(rest);
  return parts.join(' ');
}

/**
 * The lists of a URL: its parameters and the field qualifiers in its `q` (an older link, or one
 * written by hand). Both must hold, as for the API: where both name values, only the common ones;
 * when nothing is common the link is left as it is, and the Worker answers it (with nothing).
 */
export function mergeLifted(params: FieldLists, q: string): FieldLists & { q: string } {
  const lifted = liftFieldQualifiers(q);
  if (!lifted) return { ...params, q };
  const merged: FieldLists = { actors: [], actions: [], objectTypes: [] };
  for (const { key } of FIELD_QUALIFIERS) {
    const [first, second] = [params[key], lifted[key]];
    const common = first.filter((value) => second.some((other) => fold(other) === fold(value)));
    if (first.length > 0 && second.length > 0 && common.length === 0) return { ...params, q };
    merged[key] = first.length === 0 ? second : second.length === 0 ? first : common;
  }
  return { ...merged, q: lifted.rest };
}
