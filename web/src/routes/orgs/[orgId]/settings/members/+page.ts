import { fetchMembers } from '#lib/settings/management-api.ts';
import { problemForInline } from '#lib/shell/load-errors.ts';
import type { PageLoad } from './$types';

// Everyone in the organization may read its members; a failure is shown inside the tab.
export const load: PageLoad = async ({ fetch, parent, url }) => {
  const { org } = await parent();
  try {
    return { members: await fetchMembers(fetch, org.id), problem: null };
  } catch (cause) {
    return { members: [], problem: problemForInline(cause, url) };
  }
};
