import { api, type Fetch } from './api.ts';
import type { Instance, InstanceType, InstancesResponse } from './api-types.ts';

export const INSTANCE_TYPES: readonly InstanceType[] = ['argocd', 'kargo'];

export async function listInstances(
	fetchFn: Fetch,
	orgId: string,
	type: InstanceType
): Promise<Instance[]> {
	const query = new URLSearchParams({ type });
	const path = `/organizations/${encodeURIComponent(orgId)}/instances?${query}`;
	const { instances } = await api<InstancesResponse>(fetchFn, path);
	return instances;
}

/**
 * The API has no single-instance endpoint yet, so look the id up in both typed lists.
 * Replace with `GET …/instances/{id}` once the Worker offers one.
 */
export async function findInstance(
	fetchFn: Fetch,
	orgId: string,
	instanceId: string
): Promise<Instance | undefined> {
	const lists = await Promise.all(
		INSTANCE_TYPES.map((type) => listInstances(fetchFn, orgId, type))
	);
	return lists.flat().find((instance) => instance.id === instanceId);
}
