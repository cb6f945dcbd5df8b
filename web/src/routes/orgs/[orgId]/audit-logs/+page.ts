import { loadAuditView } from '#lib/audit/audit-view-load.ts';
import { sessionInstances } from '#lib/shell/instances.ts';
import { canReadAudit } from '#lib/shell/roles.ts';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ fetch, parent, url }) => {
  const { org } = await parent();
  const [view, instances] = await Promise.all([
    loadAuditView(fetch, url, org, null),
    // Names for the rows (deleted instances' too) and choices for the instance filter; the log is
    // usable without them. Kept for the session: a filter change does not ask again.
    canReadAudit(org.role) ? sessionInstances(fetch, org.id).catch(() => []) : Promise.resolve([]),
  ]);
  return { view, instances };
};
