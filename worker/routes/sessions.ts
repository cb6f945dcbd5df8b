import { createRoute } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { deleteCookie } from 'hono/cookie';
import type { Principal, PrincipalUser } from '../auth/principal.ts';
import { SESSION_COOKIE, sessionCookieOptions } from '../auth/session-cookie.ts';
import { SessionListSchema, SessionParams } from '../contract/sessions.ts';
import { forbidden } from '../errors.ts';
import { signedIn } from '../middleware/access.ts';
import { endOtherSessions, endSession, listSessions } from '../services/access/index.ts';
import { security } from './params.ts';
import { commonProblems, jsonResponse } from './responses.ts';
import { createRouter } from './router.ts';

/**
 * A person's own sessions, with their session or one of their personal keys (so a key can end a
 * lost browser's session); the platform admin token and keys without a user have none: 403.
 * Ingest keys only write events (they live in CI systems and control planes, the most exposed
 * place a key can be): they neither see their owner's addresses nor end their sessions.
 */
function sessionOwner(caller: Principal): PrincipalUser {
  if (!caller.user) throw forbidden('Only a person has sessions: sign in, or use a personal API key.');
  const grants = caller.grants === 'all' ? [] : caller.grants;
  if (caller.kind === 'api-key' && grants.every((grant) => grant.role === 'ingest')) {
    throw forbidden('Ingest keys only write events: sign in, or use a personal key of another role.');
  }
  return caller.user;
}

export const sessionRoutes = createRouter()
  .openapi(
    createRoute({
      method: 'get',
      path: '/me/sessions',
      tags: ['Auth'],
      summary: "The caller's own live dashboard sessions",
      security,
      middleware: [signedIn] as const,
      responses: { 200: jsonResponse(SessionListSchema, 'Sessions, newest first'), ...commonProblems },
    }),
    async (c) => {
      const caller = c.var.caller;
      const sessions = await listSessions(c.var.db, sessionOwner(caller).id, caller.sessionTokenHash, c.var.now);
      return c.json({ sessions }, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'delete',
      path: '/me/sessions',
      tags: ['Auth'],
      summary: "Ends every other session of the caller's (every session, for a personal API key)",
      security,
      middleware: [signedIn] as const,
      responses: { 204: { description: 'Ended' }, ...commonProblems },
    }),
    async (c) => {
      const caller = c.var.caller;
      await endOtherSessions(c.var.db, sessionOwner(caller).id, caller.sessionTokenHash);
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: 'delete',
      path: '/me/sessions/{id}',
      tags: ['Auth'],
      summary: "Ends one of the caller's sessions at once (another person's id is a 404)",
      security,
      middleware: [signedIn] as const,
      request: { params: SessionParams },
      responses: { 204: { description: 'Ended' }, ...commonProblems },
    }),
    async (c) => {
      const caller = c.var.caller;
      const ended = await endSession(c.var.db, sessionOwner(caller).id, c.req.valid('param').id);
      if (ended === caller.sessionTokenHash) clearCookie(c);
      return c.body(null, 204);
    },
  );

function clearCookie(c: Context): void {
  deleteCookie(c, SESSION_COOKIE, sessionCookieOptions(c.req.url, 0));
}
