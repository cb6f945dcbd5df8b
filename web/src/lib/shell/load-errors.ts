// Turns API failures inside `load` functions into SvelteKit navigation outcomes, so every route
// treats "signed out", "forbidden" and "missing" the same way.
import { error, redirect } from '@sveltejs/kit';
import { resolve } from '$app/paths';
import { isApiProblem, type Problem } from './api.ts';

/**
 * The sign-in page, remembering where the user was going (`next`) so signing in lands there.
 * Only same-origin paths are kept; sign-in re-checks that before following it.
 */
export function signInHref(next?: Pick<URL, 'pathname' | 'search'>): string {
  const target = next ? `${next.pathname}${next.search}` : '';
  if (!target || target.startsWith('/sign-in')) return resolve('/sign-in');
  return resolve(`/sign-in?${new URLSearchParams({ next: target })}`);
}

/**
 * Use in a load function's catch: 401 → sign-in, other problems → the nearest +error page.
 * Pass the page's `url` (when there is one) so the user comes back to it after signing in.
 */
export function rethrowForLoad(cause: unknown, url?: URL): never {
  if (isApiProblem(cause, 401)) redirect(307, signInHref(url));
  if (isApiProblem(cause)) {
    // Status 0 means the request never got an answer; 503 is the closest HTTP meaning.
    const status = cause.status >= 400 && cause.status <= 599 ? cause.status : 503;
    error(status, cause.detail, { requestId: cause.requestId });
  }
  throw cause;
}

/**
 * For data shown inline (a tab's list) rather than as a whole-page error: returns the problem
 * to render next to the navigation, but still sends signed-out users to sign-in.
 */
export function problemForInline(cause: unknown, url?: URL): Problem {
  if (!isApiProblem(cause) || cause.status === 401) rethrowForLoad(cause, url);
  return toProblem(cause);
}

/** A plain Problem (no Error prototype) for page data. */
export function toProblem(cause: Problem): Problem {
  const { type, title, status, detail, requestId, errors } = cause;
  return {
    type,
    title,
    status,
    detail,
    ...(requestId === undefined ? {} : { requestId }),
    ...(errors === undefined ? {} : { errors: errors.map((error) => ({ ...error })) }),
  };
}
