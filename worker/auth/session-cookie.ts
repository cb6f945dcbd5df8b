import type { CookieOptions } from 'hono/utils/cookie';

export const SESSION_COOKIE = 'audit_session';
/** A session unused for 12 hours has ended (checked on every request). */
export const SESSION_IDLE_MS = 12 * 60 * 60 * 1000;
/** No session lives longer than 7 days, however busy; the cookie lasts as long. */
export const SESSION_LIFETIME_MS = 7 * 24 * 60 * 60 * 1000;

/** HttpOnly + SameSite=Lax always; Secure everywhere but plain-http localhost development. */
export function sessionCookieOptions(requestUrl: string, maxAgeSeconds: number): CookieOptions {
  const url = new URL(requestUrl);
  const local = url.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  return { httpOnly: true, sameSite: 'Lax', secure: !local, path: '/', maxAge: maxAgeSeconds };
}
