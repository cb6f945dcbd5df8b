import { createRoute } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { AcceptInvitationSchema, InvitationPreviewSchema, TokenParams, WebAuthnOptionsSchema } from '../contract/identity.ts';
import { MeSchema as Me } from '../contract/management.ts';
import { badRequest, ssoRequired } from '../errors.ts';
import type { AppEnv } from '../middleware/app-env.ts';
import { markChangesQueued } from '../middleware/change-events.ts';
import { organizationsOf } from '../services/access/index.ts';
import {
  claimInvitation,
  finishPasskeyRegistration,
  invitedUser,
  type PendingInvitation,
  pendingInvitation,
  previewInvitation,
  recordAccepted,
  relyingParty,
  startPasskeyRegistration,
} from '../services/people/index.ts';
import { clientIp } from './params.ts';
import { setCeremonyCookie, signInPerson, takeCeremonyCookie } from './person-session.ts';
import { commonProblems, jsonBody, jsonResponse } from './responses.ts';
import { createRouter } from './router.ts';

/** A person session's user, for an invited email that already has an account. */
function signedInUserId(c: Context<AppEnv>): string | null {
  const principal = c.var.principal;
  return principal?.kind === 'session' ? (principal.user?.id ?? null) : null;
}

/** An organization that enforces SSO is joined only through its SSO (docs/API.md, "Invitations"). */
function refuseUnderEnforcedSso(invitation: PendingInvitation): void {
  if (invitation.enforceSso) throw ssoRequired(invitation.row.organizationId);
}

/** Opening and accepting an invitation link: public routes, the link's token is the credential. */
export const invitationAcceptRoutes = createRouter()
  .openapi(
    createRoute({
      method: 'get',
      path: '/invitations/{token}',
      tags: ['Auth'],
      summary:
        'What an invitation link offers: the organization, email, role, and whether the organization is joined only through its SSO. Unknown, used, expired and revoked links are the same 404',
      security: [],
      request: { params: TokenParams },
      responses: { 200: jsonResponse(InvitationPreviewSchema, 'The invitation'), ...commonProblems },
    }),
    async (c) => c.json(previewInvitation(await pendingInvitation(c.var.db, c.req.valid('param').token, c.var.now)), 200),
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/invitations/{token}/passkey-options',
      tags: ['Auth'],
      summary:
        'Start registering a passkey to accept an invitation: WebAuthn creation options (discoverable, user verification required; 5 minutes, single use, bound to an HttpOnly cookie)',
      security: [],
      request: { params: TokenParams },
      responses: { 200: jsonResponse(WebAuthnOptionsSchema, 'PublicKeyCredentialCreationOptionsJSON'), ...commonProblems },
    }),
    async (c) => {
      const { db, now } = c.var;
      const invitation = await pendingInvitation(db, c.req.valid('param').token, now);
      refuseUnderEnforcedSso(invitation);
      const { user } = await invitedUser(db, invitation.row.email, signedInUserId(c), now);
      const { options, handle } = await startPasskeyRegistration(
        db,
        relyingParty(c.req.url),
        user,
        { organizationId: invitation.row.organizationId, invitationId: invitation.row.id },
        now,
      );
      setCeremonyCookie(c, handle);
      return c.json(options, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/invitations/{token}/accept',
      tags: ['Auth'],
      summary:
        'Accept an invitation: with the new passkey (`response`), or without one when already signed in as the invited email. Joins the organization with the invited role and starts a new session',
      security: [],
      request: { params: TokenParams, body: jsonBody(AcceptInvitationSchema) },
      responses: { 201: jsonResponse(Me, 'Joined and signed in'), ...commonProblems },
    }),
    async (c) => {
      const { db, now } = c.var;
      const invitation = await pendingInvitation(db, c.req.valid('param').token, now);
      refuseUnderEnforcedSso(invitation);
      const { response } = c.req.valid('json');
      const handle = takeCeremonyCookie(c);
      const { user, signedIn } = await invitedUser(db, invitation.row.email, signedInUserId(c), now);
      if (!signedIn && !response) throw badRequest('Register a passkey (`response`) to accept this invitation.');
      const registered = response
        ? await finishPasskeyRegistration(
            db,
            relyingParty(c.req.url),
            handle,
            response,
            { userId: user.id, invitationId: invitation.row.id },
            now,
          )
        : null;
      await claimInvitation(db, invitation.row, user.id, registered?.passkey ?? null, now);
      // Signed in already as the invited person: that session reaches the organization from its next request.
      const principal = registered || !c.var.principal ? await signInPerson(c, user, 'passkey') : c.var.principal;
      await recordAccepted(db, invitation.row, { principal, ip: clientIp(c), now });
      markChangesQueued(c);
      return c.json({ user: principal.user, organizations: await organizationsOf(db, principal) }, 201);
    },
  );
