import { api, isApiProblem, type Fetch } from './api.ts';
import type { Instance, InstanceType, InstancesResponse } from './api-types.ts';

/** The organization's instances; all types when `type` is omitted. */
export async function listInstances(fetchFn: Fetch, orgId: string, type?: InstanceType): Promise<Instance[]> {
  const query = type ? `?${new URLSearchParams({ type })}` : '';
  const path = `/organizations/${encodeURIComponent(orgId)}/instances${query}`;
  const { instances } = await api<InstancesResponse>(fetchFn, path);
  return instances;
}

/** One instance, or undefined when the organization has no such (live) instance. */
export async function findInstance(fetchFn: Fetch, orgId: string, instanceId: string): Promise<Instance | undefined> {
  const path = `/organizations/${encodeURIComponent(orgId)}/instances/${encodeURIComponent(instanceId)}`;
  try {
    return await api<Instance>(fetchFn, path);
  } catch (cause) {
    if (isApiProblem(cause, 404)) return undefined;
    throw cause;
  }
}
