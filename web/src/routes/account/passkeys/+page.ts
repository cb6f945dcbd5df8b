import { fetchPasskeys } from '#lib/people/people-api.ts';
import { problemForInline, rethrowForLoad } from '#lib/shell/load-errors.ts';
import { getMe } from '#lib/shell/me.ts';
import type { PageLoad } from './$types';

// API-key sessions cannot manage passkeys (403): that answer is shown on the page.
export const load: PageLoad = async ({ fetch, url }) => {
  const me = await getMe(fetch).catch((cause: unknown) => rethrowForLoad(cause, url));
  try {
    return { user: me.user, passkeys: await fetchPasskeys(fetch), problem: null };
  } catch (cause) {
    return { user: me.user, passkeys: [], problem: problemForInline(cause, url) };
  }
};
