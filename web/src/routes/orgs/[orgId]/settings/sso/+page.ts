import { fetchOidcMap, fetchSsoConfiguration } from '#lib/settings/sso.ts';
import { problemForInline } from '#lib/shell/load-errors.ts';
import type { PageLoad } from './$types';

// Owners only (the Worker's rule too); anyone else is told so without asking the API.
export const load: PageLoad = async ({ fetch, parent, url }) => {
  const { org } = await parent();
  const empty = { configuration: null, map: { entries: {} } };
  if (org.role !== 'owner') return { ...empty, problem: null, forbidden: true };
  try {
    const configuration = await fetchSsoConfiguration(fetch, org.id);
    const map = configuration ? await fetchOidcMap(fetch, org.id) : empty.map;
    return { configuration, map, problem: null, forbidden: false };
  } catch (cause) {
    const problem = problemForInline(cause, url);
    return { ...empty, problem, forbidden: problem.status === 403 };
  }
};
