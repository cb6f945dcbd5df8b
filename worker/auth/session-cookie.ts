import type { CookieOptions } from 'hono/utils/cookie';

export const SESSION_COOKIE = 'audit_session';
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;

/** HttpOnly + SameSite=Lax always; Secure everywhere but plain-http localhost development. */
export function sessionCookieOptions(requestUrl: string, maxAgeSeconds: number): CookieOptions {
  const url = new URL(requestUrl);
  const local = url.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  return { httpOnly: true, sameSite: 'Lax', secure: !local, path: '/', maxAge: maxAgeSeconds };
}
