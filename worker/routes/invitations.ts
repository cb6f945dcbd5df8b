import { createRoute } from '@hono/zod-openapi';
import { CreatedInvitationSchema, CreateInvitationSchema, InvitationListSchema, InvitationParams } from '../contract/identity.ts';
import { MANAGERS, orgAccess } from '../middleware/access.ts';
import { createInvitation, listInvitations, revokeInvitation } from '../services/people/index.ts';
import { changeContextQueuingEvents, OrgParams, security } from './params.ts';
import { commonProblems, conflictProblem, jsonBody, jsonResponse } from './responses.ts';
import { createRouter } from './router.ts';

/** An organization's invitations (owners and admins; docs/API.md, "Invitations"). */
export const invitationRoutes = createRouter()
  .openapi(
    createRoute({
      method: 'post',
      path: '/organizations/{orgId}/invitations',
      tags: ['Members'],
      summary:
        'Invite a person by email with a role the caller may grant: the one-time link (7 days) is in this answer only; the token is stored hashed',
      security,
      middleware: [orgAccess(MANAGERS)] as const,
      request: { params: OrgParams, body: jsonBody(CreateInvitationSchema) },
      responses: { 201: jsonResponse(CreatedInvitationSchema, 'Invited'), ...commonProblems, ...conflictProblem },
    }),
    async (c) => {
      const { orgId } = c.req.valid('param');
      const actor = changeContextQueuingEvents(c);
      const { invitation, token } = await createInvitation(c.var.db, orgId, c.req.valid('json'), actor);
      return c.json({ invitation, url: `${new URL(c.req.url).origin}/invitations/${token}` }, 201);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/organizations/{orgId}/invitations',
      tags: ['Members'],
      summary: 'Pending invitations (not accepted, revoked or expired), newest first; never their links',
      security,
      middleware: [orgAccess(MANAGERS)] as const,
      request: { params: OrgParams },
      responses: { 200: jsonResponse(InvitationListSchema, 'Pending invitations'), ...commonProblems },
    }),
    async (c) => c.json({ invitations: await listInvitations(c.var.db, c.req.valid('param').orgId, c.var.now) }, 200),
  )
  .openapi(
    createRoute({
      method: 'delete',
      path: '/organizations/{orgId}/invitations/{id}',
      tags: ['Members'],
      summary: 'Revoke a pending invitation: its link stops working at once',
      security,
      middleware: [orgAccess(MANAGERS)] as const,
      request: { params: InvitationParams },
      responses: { 204: { description: 'Revoked' }, ...commonProblems },
    }),
    async (c) => {
      const { orgId, id } = c.req.valid('param');
      const actor = changeContextQueuingEvents(c);
      await revokeInvitation(c.var.db, orgId, id, actor);
      return c.body(null, 204);
    },
  );
