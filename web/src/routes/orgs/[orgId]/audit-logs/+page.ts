import { loadAuditView } from '#lib/audit/audit-view-load.ts';
import { listInstances } from '#lib/shell/instances.ts';
import { canReadAudit } from '#lib/shell/roles.ts';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ fetch, parent, url }) => {
  const { org } = await parent();
  const [view, instances] = await Promise.all([
    loadAuditView(fetch, url, org, null),
    // Names for the rows (deleted instances' too) and choices for the instance filter; the log is usable without them.
    canReadAudit(org.role) ? listInstances(fetch, org.id, { includeDeleted: true }).catch(() => []) : Promise.resolve([]),
  ]);
  return { view, instances };
};
