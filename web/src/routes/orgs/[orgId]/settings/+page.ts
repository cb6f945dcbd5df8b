import { error, redirect } from '@sveltejs/kit';
import { settingsSections } from '#lib/settings/settings-sections.ts';
import type { PageLoad } from './$types';

// The Settings tab opens on the first section this role may see.
export const load: PageLoad = async ({ parent }) => {
  const { org } = await parent();
  const [first] = settingsSections(org.id, org.role);
  if (!first) error(403, `Your role in ${org.name} (${org.role}) has no settings to show.`);
  redirect(307, first.href);
};
