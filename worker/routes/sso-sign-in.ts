import { createRoute } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { sessionCookieOptions } from '../auth/session-cookie.ts';
import { SsoCallbackQuery, SsoStartQuery } from '../contract/sso.ts';
import type { AppEnv } from '../middleware/app-env.ts';
import { markChangesQueued } from '../middleware/change-events.ts';
import { recordSignInFailed } from '../services/access/index.ts';
import { finishSsoSignIn, SSO_CHALLENGE_MS, SsoFailure, SsoSignInError, startSsoSignIn } from '../services/sso/index.ts';
import { clientIp } from './params.ts';
import { signInPerson } from './person-session.ts';
import { createRouter } from './router.ts';
import { ssoDeployment } from './sso-configuration.ts';

/** The browser's half of an SSO sign-in's state: a random handle, sent back only to the callback. */
const HANDLE_COOKIE = 'audit_sso';
const HANDLE_PATH = '/api/v1/auth/sso';

const redirectResponse = (description: string) => ({ 302: { description } });

function handleCookieOptions(c: Context<AppEnv>, maxAgeSeconds: number) {
  return { ...sessionCookieOptions(c.req.url, maxAgeSeconds), path: HANDLE_PATH };
}

/** The sign-in page with what went wrong (never internals: SsoFailure messages are written for people). */
function signInPage(code: string, message: string): string {
  return `/sign-in?${new URLSearchParams({ error: code, message })}`;
}

/** The SSO settings page with a "Test sign-in" outcome. */
function testPage(organizationId: string, outcome: Record<string, string>): string {
  return `/orgs/${encodeURIComponent(organizationId)}/settings/sso?${new URLSearchParams(outcome)}`;
}

function failureMessage(error: unknown): { code: string; message: string } {
  if (error instanceof SsoFailure) return { code: error.code, message: error.message };
  console.error(JSON.stringify({ route: 'sso', error: String(error) }));
  return { code: 'sso-failed', message: 'The SSO sign-in failed. Try again, or ask an owner to check the SSO settings.' };
}

export const ssoSignInRoutes = createRouter()
  .openapi(
    createRoute({
      method: 'get',
      path: '/auth/sso/start',
      tags: ['Auth'],
      summary:
        'Start an SSO sign-in: ?email= (its domain finds the organization) or ?organizationId= (test=1: an owner tests the configuration; no session is started). 302 to the identity provider (code flow, PKCE S256, state and nonce kept for 10 minutes under a cookie), or to /sign-in?error=…&message=…',
      security: [],
      responses: redirectResponse('To the identity provider, or back to the sign-in page with the reason'),
    }),
    async (c) => {
      const query = SsoStartQuery.safeParse(Object.fromEntries(new URL(c.req.url).searchParams));
      const start = query.success
        ? { email: query.data.email ?? null, organizationId: query.data.organizationId ?? null, test: query.data.test === '1' }
        : null;
      try {
        if (!start) throw new SsoFailure('invalid-request', 'The sign-in link is malformed.');
        const redirectUri = `${new URL(c.req.url).origin}${HANDLE_PATH}/callback`;
        const { url, handle } = await startSsoSignIn(c.var.db, start, c.var.principal, redirectUri, ssoDeployment(c), c.var.now);
        setCookie(c, HANDLE_COOKIE, handle, handleCookieOptions(c, SSO_CHALLENGE_MS / 1000));
        return c.redirect(url, 302);
      } catch (error) {
        const { code, message } = failureMessage(error);
        if (start?.test && start.organizationId) return c.redirect(testPage(start.organizationId, { test: 'failed', message }), 302);
        return c.redirect(signInPage(code, message), 302);
      }
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/auth/sso/callback',
      tags: ['Auth'],
      summary:
        "The identity provider's redirect back (code and state, or error). Verifies everything, then starts a new session (302 to the organization) or, for a test, reports the outcome on the SSO settings page; any failure: 302 to /sign-in?error=…&message=… with no session.",
      security: [],
      responses: redirectResponse('To the dashboard, the SSO settings page (test) or the sign-in page with the reason'),
    }),
    async (c) => {
      const { db, now } = c.var;
      const handle = getCookie(c, HANDLE_COOKIE) ?? null;
      deleteCookie(c, HANDLE_COOKIE, handleCookieOptions(c, 0));
      const ip = clientIp(c);
      try {
        const query = SsoCallbackQuery.safeParse(Object.fromEntries(new URL(c.req.url).searchParams));
        if (!query.success) throw new SsoFailure('invalid-request', 'The identity provider sent back a malformed answer.');
        const outcome = await finishSsoSignIn(db, handle, new URL(c.req.url), ssoDeployment(c), now);
        markChangesQueued(c);
        if (outcome.test)
          return c.redirect(testPage(outcome.organizationId, { test: 'ok', email: outcome.email, role: outcome.role }), 302);
        if (!outcome.user) throw new SsoFailure('not-a-member', 'You are not a member of this organization.');
        await signInPerson(c, outcome.user, 'sso', outcome.organizationId);
        const readsAudit = outcome.role === 'owner' || outcome.role === 'auditor';
        return c.redirect(readsAudit ? `/orgs/${encodeURIComponent(outcome.organizationId)}/audit-logs` : '/', 302);
      } catch (error) {
        const { code, message } = failureMessage(error);
        if (error instanceof SsoSignInError && error.organizationId) {
          if (error.test) return c.redirect(testPage(error.organizationId, { test: 'failed', message }), 302);
          await recordSignInFailed(
            db,
            error.organizationId,
            { actorId: error.email ?? 'unknown', method: 'sso', reason: message, credential: null },
            { ip, now },
          );
          markChangesQueued(c);
        }
        return c.redirect(signInPage(code, message), 302);
      }
    },
  );
