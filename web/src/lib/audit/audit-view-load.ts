// The data behind one Audit Logs view (organization or instance page), loaded from the URL. The
// load re-runs whenever the query string changes, which is how a filter change refetches.
import { redirect } from '@sveltejs/kit';
import { isApiProblem, type Problem } from '../shell/api.ts';
import type { AuditLogPage, Organization } from '../shell/api-types.ts';
import { signInHref, toProblem } from '../shell/load-errors.ts';
import { canReadAudit } from '../shell/roles.ts';
import { type AuditFilters, apiFilterParams, parseFilters, type TimeWindow, timeWindow } from './audit-filters.ts';
import { type AuditScope, fetchAuditPage } from './audit-log-api.ts';
import { type UrlProblem, urlProblems } from './url-problems.ts';

type AuditResult =
  | { status: 'ok'; page: AuditLogPage }
  /** Neither owner nor auditor of this organization (checked before asking, and again if the API says so). */
  | { status: 'forbidden' }
  | { status: 'error'; problem: Problem }
  /** The link has parameters the view cannot read: nothing is asked until they are fixed or removed. */
  | { status: 'invalid-link'; problems: UrlProblem[] };

export interface AuditViewData {
  scope: AuditScope;
  /** Without the display settings (`utc` is false here); the view reads those from the URL. */
  filters: AuditFilters;
  period: TimeWindow;
  /** The API's `filters.*` parameters of this view; "load more", chart and export reuse them. */
  apiFilters: string;
  result: AuditResult;
}

export async function loadAuditView(fetchFn: typeof fetch, url: URL, org: Organization, instanceId: string | null): Promise<AuditViewData> {
  const filters = parseFilters(url.searchParams, false);
  // Presets are relative to the moment the view loads; the table, chart and export share it.
  const period = timeWindow(filters, Date.now());
  const apiFilters = apiFilterParams(filters, period, instanceId);
  const scope: AuditScope = { orgId: org.id, instanceId };
  const base = { scope, filters, period, apiFilters: apiFilters.toString() };

  // Owners and auditors only. Don't even ask the API otherwise: a member never sees a row.
  if (!canReadAudit(org.role)) return { ...base, result: { status: 'forbidden' } };
  const problems = urlProblems(url.searchParams);
  if (problems.length > 0) return { ...base, result: { status: 'invalid-link', problems } };
  try {
    const page = await fetchAuditPage(fetchFn, scope, apiFilters, null);
    return { ...base, result: { status: 'ok', page } };
  } catch (cause) {
    if (isApiProblem(cause, 401)) redirect(307, signInHref(url));
    if (isApiProblem(cause, 403)) return { ...base, result: { status: 'forbidden' } };
    if (isApiProblem(cause)) return { ...base, result: { status: 'error', problem: toProblem(cause) } };
    throw cause;
  }
}
