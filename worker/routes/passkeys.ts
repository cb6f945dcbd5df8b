import { createRoute } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { PrincipalUser } from '../auth/principal.ts';
import { WebAuthnBodySchema, WebAuthnOptionsSchema } from '../contract/identity.ts';
import { MeSchema as Me } from '../contract/management.ts';
import type { AppEnv } from '../middleware/app-env.ts';
import { markChangesQueued } from '../middleware/change-events.ts';
import { organizationsOf, recordSignInFailed } from '../services/access/index.ts';
import { finishPasskeySignIn, PasskeySignInRefused, relyingParty, startPasskeySignIn } from '../services/people/index.ts';
import { clientIp } from './params.ts';
import { setCeremonyCookie, signInPerson, takeCeremonyCookie } from './person-session.ts';
import { commonProblems, jsonBody, jsonResponse } from './responses.ts';
import { createRouter } from './router.ts';

/**
 * A known passkey's failed sign-in: `sign_in_failed` (with the reason) in every organization its
 * person belongs to, the passkey's id as the credential. The answer stays the same 401.
 */
async function recordRefusal(c: Context<AppEnv>, refused: PasskeySignInRefused): Promise<void> {
  const { db, now } = c.var;
  const ip = clientIp(c);
  for (const organizationId of refused.organizationIds) {
    await recordSignInFailed(
      db,
      organizationId,
      { actorId: refused.email, method: 'passkey', reason: refused.reason, credential: { type: 'passkey', id: refused.passkeyId } },
      { ip, now },
    );
  }
  if (refused.organizationIds.length > 0) markChangesQueued(c);
}

/** "Sign in with a passkey": no email typed, any discoverable credential of this site (docs/API.md, "Passkeys"). */
export const passkeySignInRoutes = createRouter()
  .openapi(
    createRoute({
      method: 'post',
      path: '/auth/passkey/options',
      tags: ['Auth'],
      summary:
        'Start a passkey sign-in: WebAuthn request options without allowCredentials (discoverable), user verification required; the challenge is single use, 5 minutes, bound to an HttpOnly cookie',
      security: [],
      responses: { 200: jsonResponse(WebAuthnOptionsSchema, 'PublicKeyCredentialRequestOptionsJSON'), ...commonProblems },
    }),
    async (c) => {
      const { options, handle } = await startPasskeySignIn(c.var.db, relyingParty(c.req.url), c.var.now);
      setCeremonyCookie(c, handle);
      return c.json(options, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/auth/passkey',
      tags: ['Auth'],
      summary:
        'Finish a passkey sign-in: verifies the assertion (challenge, origin, signature, user verification, counter) and starts a new session (method passkey). Any failure is a 401 and starts nothing',
      security: [],
      request: { body: jsonBody(WebAuthnBodySchema) },
      responses: { 201: jsonResponse(Me, 'Signed in'), ...commonProblems },
    }),
    async (c) => {
      const { db, now } = c.var;
      const handle = takeCeremonyCookie(c);
      let user: PrincipalUser;
      try {
        user = await finishPasskeySignIn(db, relyingParty(c.req.url), handle, c.req.valid('json').response, now);
      } catch (error) {
        if (error instanceof PasskeySignInRefused) await recordRefusal(c, error);
        throw error;
      }
      const principal = await signInPerson(c, user, 'passkey');
      return c.json({ user: principal.user, organizations: await organizationsOf(db, principal) }, 201);
    },
  );
