import { redirect } from '@sveltejs/kit';
import { resolve } from '$app/paths';
import type { PageLoad } from './$types';

// The instance root has no page of its own; Audit Logs is the default tab.
export const load: PageLoad = ({ params }) => {
  redirect(307, resolve('/orgs/[orgId]/instances/[instanceId]/audit-logs', params));
};
