import { redirect } from '@sveltejs/kit';
import { rethrowForLoad } from '#lib/shell/load-errors.ts';
import { getMe } from '#lib/shell/me.ts';
import { resolve } from '$app/paths';
import type { PageLoad } from './$types';

// "/" has no content of its own: it sends the user to their first organization, or to
// sign-in, and only renders when there is no organization to go to.
export const load: PageLoad = async ({ fetch }) => {
  const me = await getMe(fetch).catch(rethrowForLoad);
  const [firstOrg] = me.organizations;
  if (firstOrg) redirect(307, resolve('/orgs/[orgId]/audit-logs', { orgId: firstOrg.id }));
  return { user: me.user };
};
