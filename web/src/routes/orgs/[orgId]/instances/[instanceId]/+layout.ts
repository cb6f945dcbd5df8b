import { error } from '@sveltejs/kit';
import { findInstance } from '#lib/shell/instances.ts';
import { rethrowForLoad } from '#lib/shell/load-errors.ts';
import type { LayoutLoad } from './$types';

export const load: LayoutLoad = async ({ fetch, params, url }) => {
  const instance = await findInstance(fetch, params.orgId, params.instanceId).catch((cause: unknown) => rethrowForLoad(cause, url));
  if (!instance) error(404, "This instance doesn't exist in this organization.");
  return { instance };
};
