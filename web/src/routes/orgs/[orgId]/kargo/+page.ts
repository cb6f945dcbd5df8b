import { listInstances } from '#lib/shell/instances.ts';
import { problemForInline } from '#lib/shell/load-errors.ts';
import type { PageLoad } from './$types';

// A failed list is shown inside the tab (header and tabs stay usable), not as a page error.
export const load: PageLoad = async ({ fetch, params, url }) => {
  try {
    return { instances: await listInstances(fetch, params.orgId, { type: 'kargo', includeDeleted: true }), problem: null };
  } catch (cause) {
    return { instances: [], problem: problemForInline(cause, url) };
  }
};
