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
  // A page that lists instances afresh (Argo CD, Kargo, settings…) may show a change: the Audit
  // Logs views' copy is asked again after it.
  forgetInstances();
  return fetchInstances(fetchFn, orgId, options);
}

/**
 * The organization's instances of every type, deleted ones too, as the Audit Logs views use them
 * (names for rows, choices for the instance filter), kept for the session: a filter change reruns
 * the view's load, which must not ask for them again (docs/DASHBOARD.md, "Requests"). One
 * organization's are kept: another organization's (an org switch) replaces them; sign-in and
 * sign-out (session.ts) and any page listing instances afresh forget them; a failure is not kept.
 */
let kept: { orgId: string; instances: Promise<Instance[]>; settled: Instance[] | null } | null = null;

export function sessionInstances(fetchFn: Fetch, orgId: string): Promise<Instance[]> {
  if (kept?.orgId === orgId) return kept.instances;
  const instances = fetchInstances(fetchFn, orgId, { includeDeleted: true });
  const entry: NonNullable<typeof kept> = { orgId, instances, settled: null };
  kept = entry;
  instances.then(
    (list) => {
      entry.settled = list;
    },
    () => {
      if (kept === entry) kept = null;
    },
  );
  return instances;
}

/**
 * The kept instances of `orgId` when they have arrived, else null: a view shows them at once
 * (no placeholder flashing on a filter change) and waits for `sessionInstances` only the first time.
 */
export function settledInstances(orgId: string): Instance[] | null {
  return kept?.orgId === orgId ? kept.settled : null;
}

export function forgetInstances(): void {
  kept = null;
}

async function fetchInstances(
  fetchFn: Fetch,
  orgId: string,
  options: { type?: InstanceType; includeDeleted?: boolean },
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
