import { fetchSessions } from '#lib/people/people-api.ts';
import { rethrowForLoad } from '#lib/shell/load-errors.ts';
import { getMe } from '#lib/shell/me.ts';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ fetch, url }) => {
  try {
    const me = await getMe(fetch);
    return { user: me.user, sessions: await fetchSessions(fetch) };
  } catch (cause) {
    rethrowForLoad(cause, url);
  }
};
