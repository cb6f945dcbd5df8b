// Reads of audit events and archives. The org view and an instance view differ only in the list
// endpoint (the instance one is scoped by path), so both go through `AuditScope`.
import { api, type Fetch } from './api.ts';
import type { ArchivesResponse, AuditLogPage } from './api-types.ts';
import type { Bucket } from './chart-buckets.ts';

export const PAGE_SIZE = 50;
/** Browsers open about six connections per origin; more parallel requests would only queue. */
const COUNT_CONCURRENCY = 6;

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
 * Events per bucket for the chart. There is no histogram endpoint, so each bucket is one
 * `filters.limit=1` request whose `totalCount` is the bucket's count: exact for any filter, and
 * bounded (chart-buckets.ts caps a chart at 31 buckets, so 31 small requests at most, six at a
 * time). Fetching every event to count them client-side would not be bounded at all.
 */
export async function fetchBucketCounts(
  fetchFn: Fetch,
  scope: AuditScope,
  filters: URLSearchParams,
  buckets: readonly Bucket[],
  signal: AbortSignal,
): Promise<number[]> {
  const counts: number[] = new Array<number>(buckets.length).fill(0);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < buckets.length) {
      const index = next;
      next += 1;
      const bucket = buckets[index];
      if (!bucket) continue;
      const params = new URLSearchParams(filters);
      params.set('filters.startTime', bucket.start.toISOString());
      params.set('filters.endTime', bucket.end.toISOString());
      params.set('filters.limit', '1');
      const page = await api<AuditLogPage>(fetchFn, `${listPath(scope)}?${params}`, { signal });
      counts[index] = page.totalCount;
    }
  };
  await Promise.all(Array.from({ length: Math.min(COUNT_CONCURRENCY, buckets.length) }, worker));
  return counts;
}

/** Same-origin link that downloads every matching event; the session cookie authorises it. */
export function exportUrl(orgId: string, filters: URLSearchParams, format: 'csv' | 'ndjson'): string {
  const params = new URLSearchParams(filters);
  if (format === 'ndjson') params.set('format', 'ndjson');
  return `/api/v1${orgPath(orgId)}/csv-audit-logs?${params}`;
}

export const ARCHIVE_PAGE_SIZE = 52;

export function fetchArchives(fetchFn: Fetch, orgId: string, offset: number, signal?: AbortSignal): Promise<ArchivesResponse> {
  const params = new URLSearchParams({
    'filters.limit': String(ARCHIVE_PAGE_SIZE),
    'filters.offset': String(offset),
  });
  return api<ArchivesResponse>(fetchFn, `${orgPath(orgId)}/audit-logs-archives?${params}`, signal ? { signal } : {});
}
