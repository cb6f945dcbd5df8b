import { createRoute } from '@hono/zod-openapi';
import { AddPasskeySchema, PasskeyListSchema, PasskeyParams, PasskeySchema, WebAuthnOptionsSchema } from '../contract/identity.ts';
import { signedIn } from '../middleware/access.ts';
import {
  addPasskey,
  deletePasskey,
  finishPasskeyRegistration,
  listPasskeys,
  personSessionUser,
  relyingParty,
  startPasskeyRegistration,
} from '../services/people/index.ts';
import { setCeremonyCookie, takeCeremonyCookie } from './person-session.ts';
import { commonProblems, jsonBody, jsonResponse } from './responses.ts';
import { createRouter } from './router.ts';

const personSession = [{ sessionCookie: [] }];

/**
 * A person's own passkeys, from a session they signed in to as themselves (passkey, SSO, Access,
 * sign-in link); API keys and API-key sessions get a 403 (docs/API.md, "Passkeys").
 */
export const myPasskeyRoutes = createRouter()
  .openapi(
    createRoute({
      method: 'get',
      path: '/me/passkeys',
      tags: ['Auth'],
      summary: "The caller's passkeys, newest first",
      security: personSession,
      middleware: [signedIn] as const,
      responses: { 200: jsonResponse(PasskeyListSchema, 'Passkeys'), ...commonProblems },
    }),
    async (c) => {
      const user = await personSessionUser(c.var.db, c.var.caller);
      return c.json({ passkeys: await listPasskeys(c.var.db, user.id) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/me/passkeys/options',
      tags: ['Auth'],
      summary: 'Start adding a passkey: WebAuthn creation options (the existing passkeys excluded; 5 minutes, single use)',
      security: personSession,
      middleware: [signedIn] as const,
      responses: { 200: jsonResponse(WebAuthnOptionsSchema, 'PublicKeyCredentialCreationOptionsJSON'), ...commonProblems },
    }),
    async (c) => {
      const user = await personSessionUser(c.var.db, c.var.caller);
      const { options, handle } = await startPasskeyRegistration(c.var.db, relyingParty(c.req.url), user, {}, c.var.now);
      setCeremonyCookie(c, handle);
      return c.json(options, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/me/passkeys',
      tags: ['Auth'],
      summary: 'Add a passkey: verifies the registration against the ceremony this session started',
      security: personSession,
      middleware: [signedIn] as const,
      request: { body: jsonBody(AddPasskeySchema) },
      responses: { 201: jsonResponse(PasskeySchema, 'Added'), ...commonProblems },
    }),
    async (c) => {
      const { db, now } = c.var;
      const user = await personSessionUser(db, c.var.caller);
      const { response, name } = c.req.valid('json');
      const handle = takeCeremonyCookie(c);
      const { passkey } = await finishPasskeyRegistration(db, relyingParty(c.req.url), handle, response, { userId: user.id }, now);
      return c.json(await addPasskey(db, user.id, passkey, name ?? 'Passkey', now), 201);
    },
  )
  .openapi(
    createRoute({
      method: 'delete',
      path: '/me/passkeys/{id}',
      tags: ['Auth'],
      summary: "Delete one of the caller's passkeys (another person's id is a 404); sessions go on",
      security: personSession,
      middleware: [signedIn] as const,
      request: { params: PasskeyParams },
      responses: { 204: { description: 'Deleted' }, ...commonProblems },
    }),
    async (c) => {
      const user = await personSessionUser(c.var.db, c.var.caller);
      await deletePasskey(c.var.db, user.id, c.req.valid('param').id);
      return c.body(null, 204);
    },
  );
