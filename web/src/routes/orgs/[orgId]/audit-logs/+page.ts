import { loadAuditView } from '#lib/audit/audit-view-load.ts';
import { sessionInstances, settledInstances } from '#lib/shell/instances.ts';
import { canReadAudit } from '#lib/shell/roles.ts';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ fetch, parent, url }) => {
  const { org } = await parent();
  // Names for the rows (deleted instances' too) and choices for the instance filter; the log is
  // usable without them, so the rows do not wait for them: `instances` is what has arrived (null
  // the first time, when the rows show a placeholder where a name goes) and `instancesLater` fills
  // it in. Kept for the session: a filter change does not ask again (docs/DASHBOARD.md, "Requests").
  const readable = canReadAudit(org.role);
  const instancesLater = readable ? sessionInstances(fetch, org.id).catch(() => []) : Promise.resolve([]);
  const view = await loadAuditView(fetch, url, org, null);
  return { view, instances: readable ? settledInstances(org.id) : [], instancesLater };
};
