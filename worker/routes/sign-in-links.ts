import { createRoute } from '@hono/zod-openapi';
import { CreateSignInLinkSchema, SignInLinkSchema, TokenParams } from '../contract/identity.ts';
import { MeSchema as Me } from '../contract/management.ts';
import { forbidden } from '../errors.ts';
import { signedIn } from '../middleware/access.ts';
import { organizationsOf } from '../services/access/index.ts';
import { createSignInLink, redeemSignInLink } from '../services/people/index.ts';
import { signInPerson } from './person-session.ts';
import { commonProblems, jsonBody, jsonResponse } from './responses.ts';
import { createRouter } from './router.ts';

/**
 * One-time sign-in links (docs/API.md, "Sign-in links"). The link opens a dashboard page
 * (`/sign-in/link#<token>`: the token stays in the fragment, out of server logs and Referer
 * headers) that POSTs it when the person presses the button, so a mail scanner that fetches
 * links does not use it up.
 */
export const signInLinkRoutes = createRouter()
  .openapi(
    createRoute({
      method: 'post',
      path: '/auth/sign-in-links',
      tags: ['Auth'],
      summary: 'Platform admin token only: a one-time sign-in link (15 minutes) for an existing person',
      security: [{ bearerAuth: [] }],
      middleware: [signedIn] as const,
      request: { body: jsonBody(CreateSignInLinkSchema) },
      responses: { 201: jsonResponse(SignInLinkSchema, 'The link, shown once'), ...commonProblems },
    }),
    async (c) => {
      if (c.var.caller.kind !== 'platform-admin') throw forbidden('Only the platform admin token makes sign-in links.');
      const { token, expiresAt } = await createSignInLink(c.var.db, c.req.valid('json').email, c.var.now);
      return c.json({ url: `${new URL(c.req.url).origin}/sign-in/link#${token}`, expiresAt: new Date(expiresAt).toISOString() }, 201);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/auth/sign-in-links/{token}',
      tags: ['Auth'],
      summary: 'Use a one-time sign-in link: starts a new session (method link); a used, expired or unknown link is a 401',
      security: [],
      request: { params: TokenParams },
      responses: { 201: jsonResponse(Me, 'Signed in'), ...commonProblems },
    }),
    async (c) => {
      const user = await redeemSignInLink(c.var.db, c.req.valid('param').token, c.var.now);
      const principal = await signInPerson(c, user, 'link');
      return c.json({ user: principal.user, organizations: await organizationsOf(c.var.db, principal) }, 201);
    },
  );
