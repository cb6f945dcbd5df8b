import type { Context } from 'hono';
import { deleteCookie, getCookie } from 'hono/cookie';
import { createMiddleware } from 'hono/factory';
import { verifyAccessToken } from '../auth/access-jwt.ts';
import { PLATFORM_ADMIN, type Principal } from '../auth/principal.ts';
import { timingSafeEqualText } from '../auth/secrets.ts';
import { SESSION_COOKIE, sessionCookieOptions } from '../auth/session-cookie.ts';
import { readSsoConfig } from '../config.ts';
import { ApiError, forbidden, unauthorized } from '../errors.ts';
import {
  principalFromAccess,
  principalFromApiKey,
  principalFromKeyIdAndSecret,
  principalFromSession,
  type SignInKey,
  signInKeyLookup,
  touchApiKey,
} from '../services/access/index.ts';
import type { AppEnv } from './app-env.ts';
import { chargeFailedAuthentication } from './rate-limit.ts';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const HEADER_HELP = 'Use "Authorization: Bearer <API key>" or "Authorization: Basic base64(<API key id>:<API key>)".';

/** `Basic base64(id:secret)` → its two parts, or null when the header is not that. */
function basicCredentials(encoded: string): { keyId: string; secret: string } | null {
  let decoded: string;
  try {
    decoded = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(
      Uint8Array.from(atob(encoded), (char) => char.charCodeAt(0)),
    );
  } catch {
    return null;
  }
  const colon = decoded.indexOf(':');
  if (colon <= 0 || colon === decoded.length - 1) return null;
  return { keyId: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
}

/**
 * Resolves the caller from `Authorization` (Bearer API key or admin token, or Basic key id and
 * secret as Akuity clients send them), a Cloudflare Access token (when the deployment enables
 * Access; before the cookie), or the session cookie. A bad credential is a 401 here; a
 * missing one is left to each route. All three transports give a key the same authority.
 */
export const authenticate = createMiddleware<AppEnv>(async (c, next) => {
  const header = c.req.header('authorization');
  if (header !== undefined) {
    const match = /^(Bearer|Basic)\s+(\S+)\s*$/i.exec(header);
    const scheme = match?.[1]?.toLowerCase();
    const value = match?.[2];
    if (!scheme || !value) throw unauthorized(HEADER_HELP);
    if (scheme === 'bearer' && c.env.ADMIN_TOKEN && timingSafeEqualText(value, c.env.ADMIN_TOKEN)) {
      c.set('principal', PLATFORM_ADMIN);
      return next();
    }
    let principal: Principal;
    if (scheme === 'bearer') principal = await chargingFailures(c, () => principalFromApiKey(c.var.db, value, c.var.now));
    else {
      const credentials = basicCredentials(value);
      principal = await chargingFailures(c, () => {
        if (!credentials) throw unauthorized(HEADER_HELP);
        return principalFromKeyIdAndSecret(c.var.db, credentials.keyId, credentials.secret, c.var.now);
      });
    }
    c.set('principal', principal);
    if (principal.apiKeyId) c.executionCtx.waitUntil(touchApiKey(c.var.db, principal.apiKeyId, c.var.now));
    return next();
  }
  const accessToken = c.req.header('cf-access-jwt-assertion');
  const access = readSsoConfig(c.env);
  if (accessToken !== undefined && access.access) {
    c.set('principal', await chargingFailures(c, () => accessPrincipal(c, accessToken, access.access, access.allowInsecure)));
    return next();
  }
  const sessionToken = getCookie(c, SESSION_COOKIE);
  if (sessionToken) {
    // Cookies ride along on cross-site requests; writes must come from our own pages.
    if (!SAFE_METHODS.has(c.req.method) && c.req.header('origin') !== new URL(c.req.url).origin) {
      throw forbidden('Cross-origin request refused: the Origin header does not match this site.');
    }
    const principal = await principalFromSession(c.var.db, sessionToken, c.var.now).catch((error: unknown) => {
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

/** Cloudflare Access (off unless ACCESS_TEAM_DOMAIN and ACCESS_AUD are set): a bad, expired or foreign token is a 401. */
async function accessPrincipal(
  c: Context<AppEnv>,
  token: string,
  access: { teamDomain: string; audience: string } | null,
  allowInsecure: boolean,
): Promise<Principal> {
  if (!access) throw unauthorized('Cloudflare Access is not configured.');
  let verified: Awaited<ReturnType<typeof verifyAccessToken>>;
  try {
    verified = await verifyAccessToken(token, access, allowInsecure);
  } catch {
    throw unauthorized('The Cloudflare Access token (Cf-Access-Jwt-Assertion) is not valid: bad signature, issuer, audience, or expired.');
  }
  return principalFromAccess(c.var.db, verified.email, verified.credentialId);
}

/**
 * A credential that does not work is a 401, charged to the client address so guessing keys is
 * rate-limited. The address is `cf-connecting-ip`, which Cloudflare's edge sets (and overwrites
 * when a client sends it), so it can be trusted only behind Cloudflare (see docs/ARCHITECTURE.md).
 */
async function chargingFailures<T>(c: Context<AppEnv>, resolve: () => Promise<T>): Promise<T> {
  try {
    return await resolve();
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      await chargeFailedAuthentication(c.env.API_RATE_LIMITER, c.req.header('cf-connecting-ip'));
    }
    throw error;
  }
}

/** The key of an API key secret sent in a sign-in body (and its SSO enforcement); failures are charged like a bad header. */
export function signInKey(c: Context<AppEnv>, secret: string): Promise<SignInKey> {
  return chargingFailures(c, () => signInKeyLookup(c.var.db, secret, c.var.now));
}
