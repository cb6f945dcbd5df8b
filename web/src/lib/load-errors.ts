// Turns API failures inside `load` functions into SvelteKit navigation outcomes, so every route
// treats "signed out", "forbidden" and "missing" the same way.
import { error, redirect } from '@sveltejs/kit';
import { resolve } from '$app/paths';
import { isApiProblem, type Problem } from './api.ts';

/** Use in a load function's catch: 401 → sign-in, other problems → the nearest +error page. */
export function rethrowForLoad(cause: unknown): never {
	if (isApiProblem(cause, 401)) redirect(307, resolve('/sign-in'));
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
export function problemForInline(cause: unknown): Problem {
	if (!isApiProblem(cause) || cause.status === 401) rethrowForLoad(cause);
	const { type, title, status, detail, requestId } = cause;
	return requestId === undefined
		? { type, title, status, detail }
		: { type, title, status, detail, requestId };
}
