import { createRoute } from '@hono/zod-openapi';
import { deleteCookie, setCookie } from 'hono/cookie';
import { SESSION_COOKIE, SESSION_LIFETIME_MS, sessionCookieOptions } from '../auth/session-cookie.ts';
import { MeSchema as Me, SignInSchema } from '../contract/management.ts';
import { ApiError } from '../errors.ts';
import { signedIn } from '../middleware/access.ts';
import { signInKey } from '../middleware/authenticate.ts';
import { markChangesQueued } from '../middleware/change-events.ts';
import {
  deleteSession,
  organizationsOf,
  recordApiKeySignInFailed,
  recordSignInListingOrganizations,
  recordSignOut,
  signInWithApiKey,
} from '../services/access/index.ts';
import { clientIp, security, sessionClient } from './params.ts';
import { commonProblems, jsonBody, jsonResponse } from './responses.ts';
import { createRouter } from './router.ts';

export const authRoutes = createRouter()
  .openapi(
    createRoute({
      method: 'post',
      path: '/auth/session',
      tags: ['Auth'],
      summary:
        'Sign in with a personal API key (service and ingest keys are refused with 403, recorded as sign_in_failed in their organization): sets an HttpOnly session cookie for a new session. Signed in already (same user), what the old session reached carries over and the old session ends.',
      security: [],
      request: { body: jsonBody(SignInSchema) },
      responses: { 201: jsonResponse(Me, 'Signed in'), ...commonProblems },
    }),
    async (c) => {
      const { db, now } = c.var;
      const secret = c.req.valid('json').apiKey;
      const client = sessionClient(c);
      const { token, principal } = await (async () => {
        return signInWithApiKey(db, await signInKey(c, secret), c.var.principal, client, now);
      })().catch(async (error: unknown) => {
        // A refusal of a key we know (revoked, service, ingest, enforced SSO…) is recorded in its organization.
        if (error instanceof ApiError && (error.status === 401 || error.status === 403)) {
          if (await recordApiKeySignInFailed(db, secret, error.detail, { ip: client.ip, now })) markChangesQueued(c);
        }
        throw error;
      });
      // The sign_in events and the answer's organizations in one round trip.
      const organizations = await recordSignInListingOrganizations(db, principal, 'api_key', { ip: client.ip, now });
      markChangesQueued(c);
      setCookie(c, SESSION_COOKIE, token, sessionCookieOptions(c.req.url, SESSION_LIFETIME_MS / 1000));
      return c.json({ user: principal.user, organizations }, 201);
    },
  )
  .openapi(
    createRoute({
      method: 'delete',
      path: '/auth/session',
      tags: ['Auth'],
      summary: 'Sign out: ends the server-side session and clears the cookie',
      security: [{ sessionCookie: [] }, {}],
      responses: { 204: { description: 'Signed out' }, ...commonProblems },
    }),
    async (c) => {
      const principal = c.var.principal;
      if (principal?.sessionTokenHash) {
        await recordSignOut(c.var.db, principal, { ip: clientIp(c), now: c.var.now });
        markChangesQueued(c);
        await deleteSession(c.var.db, principal.sessionTokenHash);
      }
      deleteCookie(c, SESSION_COOKIE, sessionCookieOptions(c.req.url, 0));
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/me',
      tags: ['Auth'],
      summary: 'The caller and their organizations',
      security,
      middleware: [signedIn] as const,
      responses: { 200: jsonResponse(Me, 'The caller'), ...commonProblems },
    }),
    async (c) => {
      const principal = c.var.caller;
      return c.json({ user: principal.user, organizations: await organizationsOf(c.var.db, principal) }, 200);
    },
  );
