// Reads of audit events and archives. The org view and an instance view differ only in the list
// endpoint (the instance one is scoped by path), so both go through `AuditScope`.
import { api, type Fetch } from '../shell/api.ts';
import type { ArchivesResponse, AuditEvent, AuditLogHistogram, AuditLogPage, HistogramUnit, PublicKey } from '../shell/api-types.ts';

const PAGE_SIZE = 50;

export interface AuditScope {
  orgId: string;
  /** Set on an instance page: the list uses the instance's own endpoint. */
  instanceId: string | null;
}

const orgPath = (orgId: string): string => `/organizations/${encodeURIComponent(orgId)}`;

function listPath(scope: AuditScope): string {
  return scope.instanceId
    ? `${orgPath(scope.orgId)}/instances/${encodeURIComponent(scope.instanceId)}/audit-logs`
    : `${orgPath(scope.orgId)}/audit-logs`;
}

export function fetchAuditPage(
  fetchFn: Fetch,
  scope: AuditScope,
  filters: URLSearchParams,
  cursor: string | null,
  signal?: AbortSignal,
): Promise<AuditLogPage> {
  const params = new URLSearchParams(filters);
  params.set('filters.limit', String(PAGE_SIZE));
  if (cursor) params.set('cursor', cursor);
  return api<AuditLogPage>(fetchFn, `${listPath(scope)}?${params}`, signal ? { signal } : {});
}

/**
 * Events per bucket for the chart, from the histogram endpoint: one request and one grouped query
 * for the whole range, counted with the list's own filters (so the bars add up to its total). The
 * instance page passes its instance as `filters.instanceId`, which is what its list is scoped to.
 */
export function fetchHistogram(
  fetchFn: Fetch,
  orgId: string,
  filters: URLSearchParams,
  plan: { unit: HistogramUnit; step: number; timeZone: string },
  signal: AbortSignal,
): Promise<AuditLogHistogram> {
  const params = new URLSearchParams(filters);
  params.set('bucket', plan.unit);
  if (plan.step > 1) params.set('step', String(plan.step));
  params.set('timeZone', plan.timeZone);
  return api<AuditLogHistogram>(fetchFn, `${orgPath(orgId)}/audit-logs-histogram?${params}`, { signal });
}

/**
 * One event by id, for a link to it (`?event=…&at=…`) when it is not among the loaded rows: the
 * events of its exact millisecond, in the view's scope, whatever the view's filters.
 */
export async function findEvent(
  fetchFn: Fetch,
  scope: AuditScope,
  id: string,
  at: string,
  signal: AbortSignal,
): Promise<AuditEvent | null> {
  const time = Date.parse(at);
  if (Number.isNaN(time)) return null;
  const params = new URLSearchParams({
    'filters.startTime': new Date(time).toISOString(),
    'filters.endTime': new Date(time + 1).toISOString(),
    'filters.limit': '1000',
  });
  const page = await api<AuditLogPage>(fetchFn, `${listPath(scope)}?${params}`, { signal });
  return page.items.find((event) => event.id === id) ?? null;
}

/** Same-origin link that downloads every matching event; the session cookie authorises it. */
export function exportUrl(orgId: string, filters: URLSearchParams, format: 'csv' | 'ndjson'): string {
  const params = new URLSearchParams(filters);
  if (format === 'ndjson') params.set('format', 'ndjson');
  return `/api/v1${orgPath(orgId)}/csv-audit-logs?${params}`;
}

const ARCHIVE_PAGE_SIZE = 52;

export function fetchArchives(fetchFn: Fetch, orgId: string, offset: number, signal?: AbortSignal): Promise<ArchivesResponse> {
  const params = new URLSearchParams({
    'filters.limit': String(ARCHIVE_PAGE_SIZE),
    'filters.offset': String(offset),
  });
  return api<ArchivesResponse>(fetchFn, `${orgPath(orgId)}/audit-logs-archives?${params}`, signal ? { signal } : {});
}

/** The key that signs archive manifests (public, no credential needed). */
export const PUBLIC_KEY_PATH = '/api/v1/audit-logs-archives/public-key';

export function fetchPublicKey(fetchFn: Fetch, signal?: AbortSignal): Promise<PublicKey> {
  return api<PublicKey>(fetchFn, '/audit-logs-archives/public-key', signal ? { signal } : {});
}
