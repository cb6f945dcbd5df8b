import { listInstances } from '#lib/instances.ts';
import { loadAuditView } from '#lib/audit-view-load.ts';
import { isOwner } from '#lib/me.ts';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ fetch, parent, url }) => {
  const { org } = await parent();
  const [view, instances] = await Promise.all([
    loadAuditView(fetch, url, org, null),
    // Names for the rows and choices for the instance filter; the log is usable without them.
    isOwner(org) ? listInstances(fetch, org.id).catch(() => []) : Promise.resolve([]),
  ]);
  return { view, instances };
};
