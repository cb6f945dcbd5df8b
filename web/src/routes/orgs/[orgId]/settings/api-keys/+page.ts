import { fetchApiKeys, fetchMembers } from '#lib/settings/management-api.ts';
import { listInstances } from '#lib/shell/instances.ts';
import { problemForInline } from '#lib/shell/load-errors.ts';
import { canManage } from '#lib/shell/roles.ts';
import type { PageLoad } from './$types';

// Owners and admins: the keys, plus the members (whom each key acts for) and the instances (an
// ingest key's binding); those two are names only, so the page works without them.
export const load: PageLoad = async ({ fetch, parent, url }) => {
  const { org } = await parent();
  const empty = { apiKeys: [], members: [], instances: [] };
  if (!canManage(org.role)) return { ...empty, problem: null, forbidden: true };
  try {
    const [apiKeys, members, instances] = await Promise.all([
      fetchApiKeys(fetch, org.id),
      fetchMembers(fetch, org.id).catch(() => []),
      listInstances(fetch, org.id, { includeDeleted: true }).catch(() => []),
    ]);
    return { apiKeys, members, instances, problem: null, forbidden: false };
  } catch (cause) {
    const problem = problemForInline(cause, url);
    return { ...empty, problem, forbidden: problem.status === 403 };
  }
};
