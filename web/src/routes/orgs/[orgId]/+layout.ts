import { error } from '@sveltejs/kit';
import { rethrowForLoad } from '#lib/shell/load-errors.ts';
import { findOrganization, getMe } from '#lib/shell/me.ts';
import type { LayoutLoad } from './$types';

// Runs again when orgId changes, which also refreshes the role after an org switch.
export const load: LayoutLoad = async ({ fetch, params, url }) => {
  const me = await getMe(fetch).catch((cause: unknown) => rethrowForLoad(cause, url));
  const org = findOrganization(me, params.orgId);
  if (!org) error(404, "This organization doesn't exist or you're not a member of it.");
  return { user: me.user, organizations: me.organizations, org };
};
