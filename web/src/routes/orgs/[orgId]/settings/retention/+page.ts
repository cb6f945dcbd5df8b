import { fetchSettings } from '#lib/settings/management-api.ts';
import { problemForInline } from '#lib/shell/load-errors.ts';
import { canReadAudit } from '#lib/shell/roles.ts';
import type { PageLoad } from './$types';

// Owners and auditors read the settings; anyone else is told so without asking the API.
export const load: PageLoad = async ({ fetch, parent, url }) => {
  const { org } = await parent();
  if (!canReadAudit(org.role)) return { settings: null, problem: null, forbidden: true };
  try {
    return { settings: await fetchSettings(fetch, org.id), problem: null, forbidden: false };
  } catch (cause) {
    const problem = problemForInline(cause, url);
    return { settings: null, problem, forbidden: problem.status === 403 };
  }
};
