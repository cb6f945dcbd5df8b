import { loadAuditView } from '#lib/audit/audit-view-load.ts';
import type { PageLoad } from './$types';

// The same view as the organization's tab, scoped to this instance by the API path.
export const load: PageLoad = async ({ fetch, parent, url }) => {
  const { org, instance } = await parent();
  return { view: await loadAuditView(fetch, url, org, instance.id) };
};
