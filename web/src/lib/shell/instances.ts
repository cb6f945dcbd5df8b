import { api, type Fetch, isApiProblem } from './api.ts';
import type { Instance, InstancesResponse, InstanceType } from './api-types.ts';

/**
 * The organization's instances; all types when `type` is omitted. With `includeDeleted`, deleted
 * ones too (their `deletedAt` is set): their audit logs stay readable, and rows keep their names.
 */
export async function listInstances(
  fetchFn: Fetch,
  orgId: string,
  options: { type?: InstanceType; includeDeleted?: boolean } = {},
): Promise<Instance[]> {
  const params = new URLSearchParams();
  if (options.type) params.set('type', options.type);
  if (options.includeDeleted) params.set('includeDeleted', 'true');
  const query = params.size > 0 ? `?${params}` : '';
  const path = `/organizations/${encodeURIComponent(orgId)}/instances${query}`;
  const { instances } = await api<InstancesResponse>(fetchFn, path);
  return instances;
}

/** One instance (a deleted one too, with `deletedAt`), or undefined when the organization has no such instance. */
export async function findInstance(fetchFn: Fetch, orgId: string, instanceId: string): Promise<Instance | undefined> {
  const path = `/organizations/${encodeURIComponent(orgId)}/instances/${encodeURIComponent(instanceId)}`;
  try {
    return await api<Instance>(fetchFn, path);
  } catch (cause) {
    if (isApiProblem(cause, 404)) return undefined;
    throw cause;
  }
}
