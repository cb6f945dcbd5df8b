import { createRoute } from '@hono/zod-openapi';
import { deleteCookie, setCookie } from 'hono/cookie';
import { MeSchema as Me, SignInSchema } from '../contract/management';
import { signedIn } from '../middleware/access';
import { apiKeyPrincipal } from '../middleware/authenticate';
import { SESSION_COOKIE, SESSION_TTL_MS, sessionCookieOptions } from '../auth/session-cookie';
import { forbidden } from '../errors';
import { createSession, deleteSession, organizationsOf } from '../services/credentials';
import { security } from './params';
import { commonProblems, jsonBody, jsonResponse } from './responses';
import { createRouter } from './router';

export const authRoutes = createRouter()
  .openapi(
    createRoute({
      method: 'post',
      path: '/auth/session',
      tags: ['Auth'],
      summary: 'Sign in with an API key: sets an HttpOnly session cookie',
      security: [],
      request: { body: jsonBody(SignInSchema) },
      responses: { 201: jsonResponse(Me, 'Signed in'), ...commonProblems },
    }),
    async (c) => {
      const { db, now } = c.var;
      const keyPrincipal = await apiKeyPrincipal(c, c.req.valid('json').apiKey);
      const grant = keyPrincipal.grants === 'all' ? null : keyPrincipal.grants[0];
      if (!keyPrincipal.user || !keyPrincipal.apiKeyId || !grant) throw forbidden('This API key is not tied to a user and cannot sign in.');
      if (grant.role === 'ingest') throw forbidden('Ingest keys can only send events; they cannot sign in.');
      const token = await createSession(db, keyPrincipal.apiKeyId, now, SESSION_TTL_MS);
      setCookie(c, SESSION_COOKIE, token, sessionCookieOptions(c.req.url, SESSION_TTL_MS / 1000));
      return c.json({ user: keyPrincipal.user, organizations: await organizationsOf(db, keyPrincipal) }, 201);
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
      if (principal?.sessionTokenHash) await deleteSession(c.var.db, principal.sessionTokenHash);
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
