// Saved views: a person's named filter sets of the Audit Logs tab (docs/DASHBOARD.md, "Saved
// views"). A view keeps the tab's filter query string; applying it is navigating to the tab with
// that query, so the link a view gives is an ordinary audit page URL anyone with access can open.
import type { SavedView } from '../../../../worker/contract/index.ts';
import { filtersToSearch, parseFilters } from '../audit/audit-filters.ts';
import { type ApiProblem, api, type Fetch, problemCode } from '../shell/api.ts';
import { formProblems } from '../shell/field-errors.ts';

export type { SavedView };

/** The scope of a view of the organization's tab; an instance tab's views carry the instance id. */
export const ORGANIZATION_SCOPE = 'organization';
const MAX_NAME_LENGTH = 100;

const viewsPath = (orgId: string) => `/organizations/${encodeURIComponent(orgId)}/saved-views`;
const viewPath = (orgId: string, id: string) => `${viewsPath(orgId)}/${encodeURIComponent(id)}`;

export async function listViews(fetchFn: Fetch, orgId: string): Promise<SavedView[]> {
  return (await api<{ savedViews: SavedView[] }>(fetchFn, viewsPath(orgId))).savedViews;
}

export function createView(fetchFn: Fetch, orgId: string, body: { name: string; query: string; scope: string }): Promise<SavedView> {
  return api<SavedView>(fetchFn, viewsPath(orgId), { method: 'POST', body });
}

export function renameView(fetchFn: Fetch, orgId: string, id: string, name: string): Promise<SavedView> {
  return api<SavedView>(fetchFn, viewPath(orgId, id), { method: 'PATCH', body: { name } });
}

export function deleteView(fetchFn: Fetch, orgId: string, id: string): Promise<void> {
  return api<void>(fetchFn, viewPath(orgId, id), { method: 'DELETE' });
}

/**
 * The page's filters as a view keeps them: the canonical query string of its filters, without the
 * display setting (UTC) or the open event, so the same filters always save and match alike.
 */
export function viewQuery(search: URLSearchParams): string {
  return filtersToSearch(parseFilters(search, false)).replace(/^\?/, '');
}

/** The audit page with a view's filters: where applying it goes, and the link it shares. */
export function viewHref(pathname: string, query: string): string {
  return query ? `${pathname}?${query}` : pathname;
}

/** A query string as a person reads it: `range: 30d, action: delete`. */
export function describeQuery(query: string): string {
  return [...new URLSearchParams(query)].map(([key, value]) => `${key}: ${value}`).join(', ');
}

/** Views for the tab on screen (the organization's, or one instance's), by name as the API sorts them. */
export function viewsFor(views: readonly SavedView[], scope: string): SavedView[] {
  return views.filter((view) => view.scope === scope);
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is this pattern's purpose.
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

/** What is wrong with a name before it is sent, in words (null: nothing). */
export function nameError(name: string): string | null {
  const trimmed = name.trim();
  if (trimmed === '') return 'Enter a name for the view.';
  if (trimmed.length > MAX_NAME_LENGTH) return `Use at most ${MAX_NAME_LENGTH} characters (this name has ${trimmed.length}).`;
  if (CONTROL_CHARACTER.test(trimmed)) return 'A name cannot contain tabs or line breaks.';
  return null;
}

/** Where the Worker's refusal of a save or rename goes: under the name field, or above the buttons. */
export interface RefusalWords {
  name: string | null;
  form: string | null;
}

/** The Worker's refusal of a save or rename, in words a person acts on. */
export function refusalWords(problem: ApiProblem): RefusalWords {
  const code = problemCode(problem);
  if (code === 'saved-view-exists') return { name: `${problem.detail} Choose another name, or rename that view first.`, form: null };
  if (code === 'saved-view-limit') return { name: null, form: problem.detail };
  if (problem.status === 401) return { name: null, form: 'Your session has ended. Sign in again to save views.' };
  // A refused name in the shared form words (docs/DASHBOARD.md, "Forms"), under the field; the
  // Worker's sentence about refused filters above the buttons, as it names the filter.
  const aboutQuery = problem.errors?.find((error) => error.pointer === 'query')?.detail;
  if (aboutQuery) return { name: null, form: `These filters cannot be saved: ${aboutQuery}.` };
  const words = formProblems(problem, {
    name: { label: 'Name', rule: `Enter a name of at most ${MAX_NAME_LENGTH} characters, without tabs or line breaks.` },
  });
  return { name: words.fields.name ?? null, form: words.fields.name ? null : words.form };
}
