import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { Principal, PrincipalUser } from '../auth/principal.ts';
import { SESSION_COOKIE, SESSION_LIFETIME_MS, sessionCookieOptions } from '../auth/session-cookie.ts';
import type { SessionMethod } from '../contract/enums.ts';
import type { AppEnv } from '../middleware/app-env.ts';
import { markChangesQueued } from '../middleware/change-events.ts';
import { recordSignIn, startSession } from '../services/access/index.ts';
import { sessionClient } from './params.ts';

/**
 * A WebAuthn ceremony's handle: HttpOnly, SameSite=Strict, only sent to the API, 5 minutes. The
 * challenge itself is in sign_in_challenges, so a response only verifies in the browser that asked.
 */
const CEREMONY_COOKIE = 'audit_ceremony';
const CEREMONY_PATH = '/api/v1/';

export function setCeremonyCookie(c: Context, handle: string): void {
  setCookie(c, CEREMONY_COOKIE, handle, { ...sessionCookieOptions(c.req.url, 300), sameSite: 'Strict', path: CEREMONY_PATH });
}

/** The ceremony handle the browser holds, and the cookie cleared (a handle works once either way). */
export function takeCeremonyCookie(c: Context): string | undefined {
  const handle = getCookie(c, CEREMONY_COOKIE);
  if (handle !== undefined) deleteCookie(c, CEREMONY_COOKIE, { ...sessionCookieOptions(c.req.url, 0), path: CEREMONY_PATH });
  return handle;
}

/**
 * Starts a person's session (always a new id and token; an SSO sign-in names the organization whose
 * SSO it came through), records `sign_in` in every organization it reaches, and sets the cookie.
 */
export async function signInPerson(
  c: Context<AppEnv>,
  user: PrincipalUser,
  method: SessionMethod,
  ssoOrganizationId: string | null = null,
): Promise<Principal> {
  const { db, now } = c.var;
  const client = sessionClient(c);
  const { token, principal } = await startSession(db, { user, method, apiKeyId: null, ssoOrganizationId }, c.var.principal, client, now);
  await recordSignIn(db, principal, method, { ip: client.ip, now });
  markChangesQueued(c);
  setCookie(c, SESSION_COOKIE, token, sessionCookieOptions(c.req.url, SESSION_LIFETIME_MS / 1000));
  return principal;
}
