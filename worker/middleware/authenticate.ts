import { deleteCookie, getCookie } from 'hono/cookie';
import { createMiddleware } from 'hono/factory';
import type { Context } from 'hono';
import type { AppEnv } from './app-env';
import { ApiError, forbidden, unauthorized } from '../errors';
import { principalFromApiKey, principalFromSession, touchApiKey } from '../services/credentials';
import { PLATFORM_ADMIN, type Principal } from '../auth/principal';
import { timingSafeEqualText } from '../auth/secrets';
import { chargeFailedAuthentication } from './rate-limit';
import { SESSION_COOKIE, sessionCookieOptions } from '../auth/session-cookie';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Resolves the caller from `Authorization: Bearer …` (API key or the platform admin token) or the
 * session cookie. A bad credential is a 401 here; a missing one is left to each route.
 */
export const authenticate = createMiddleware<AppEnv>(async (c, next) => {
  const header = c.req.header('authorization');
  const now = c.var.now;
  if (header !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match?.[1]) throw unauthorized('Use "Authorization: Bearer <API key>".');
    const token = match[1];
    if (c.env.ADMIN_TOKEN && timingSafeEqualText(token, c.env.ADMIN_TOKEN)) {
      c.set('principal', PLATFORM_ADMIN);
    } else {
      const principal = await apiKeyPrincipal(c, token);
      c.set('principal', principal);
      if (principal.apiKeyId) c.executionCtx.waitUntil(touchApiKey(c.var.db, principal.apiKeyId, now));
    }
    return next();
  }
  const sessionToken = getCookie(c, SESSION_COOKIE);
  if (sessionToken) {
    // Cookies ride along on cross-site requests; writes must come from our own pages.
    if (!SAFE_METHODS.has(c.req.method) && c.req.header('origin') !== new URL(c.req.url).origin) {
      throw forbidden('Cross-origin request refused: the Origin header does not match this site.');
    }
    const principal = await principalFromSession(c.var.db, sessionToken, now).catch((error: unknown) => {
      if (error instanceof ApiError && error.status === 401) return null;
      throw error;
    });
    if (principal === null) {
      // An ended session makes the caller anonymous (and drops the cookie) rather than failing the
      // request: public routes and signing in again must keep working with a stale cookie.
      deleteCookie(c, SESSION_COOKIE, sessionCookieOptions(c.req.url, 0));
      c.set('sessionEnded', true);
    }
    c.set('principal', principal);
    return next();
  }
  c.set('principal', null);
  return next();
});

/**
 * The principal of an API key secret (header or sign-in body). A secret that does not work is a
 * 401, charged to the client address so guessing keys is rate-limited.
 */
export async function apiKeyPrincipal(c: Context<AppEnv>, secret: string): Promise<Principal> {
  return principalFromApiKey(c.var.db, secret, c.var.now).catch(async (error: unknown) => {
    if (error instanceof ApiError && error.status === 401)
      await chargeFailedAuthentication(c.env.API_RATE_LIMITER, c.req.header('cf-connecting-ip'));
    throw error;
  });
}
