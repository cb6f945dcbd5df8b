import { createRoute, z } from '@hono/zod-openapi';
import { AddMemberSchema, ChangeRoleSchema, MemberSchema } from '../contract/management.ts';
import { MANAGERS, orgAccess, READERS } from '../middleware/access.ts';
import { addMember, changeMemberRole, listMembers, removeMember } from '../services/access/index.ts';
import { changeContextQueuingEvents, MemberParams, OrgParams, security } from './params.ts';
import { commonProblems, conflictProblem, jsonBody, jsonResponse } from './responses.ts';
import { createRouter } from './router.ts';

export const memberRoutes = createRouter()
  .openapi(
    createRoute({
      method: 'get',
      path: '/organizations/{orgId}/members',
      tags: ['Members'],
      summary: "List the organization's members",
      security,
      middleware: [orgAccess(READERS)] as const,
      request: { params: OrgParams },
      responses: { 200: jsonResponse(z.object({ members: z.array(MemberSchema) }), 'Members by email'), ...commonProblems },
    }),
    async (c) => c.json({ members: await listMembers(c.var.db, c.req.valid('param').orgId) }, 200),
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/organizations/{orgId}/members',
      tags: ['Members'],
      summary: 'Add a member (an unknown email creates the user)',
      security,
      middleware: [orgAccess(MANAGERS)] as const,
      request: { params: OrgParams, body: jsonBody(AddMemberSchema) },
      responses: { 201: jsonResponse(MemberSchema, 'Added'), ...commonProblems, ...conflictProblem },
    }),
    async (c) => {
      const { orgId } = c.req.valid('param');
      const actor = changeContextQueuingEvents(c);
      return c.json(await addMember(c.var.db, orgId, c.req.valid('json'), actor), 201);
    },
  )
  .openapi(
    createRoute({
      method: 'patch',
      path: '/organizations/{orgId}/members/{userId}',
      tags: ['Members'],
      summary: "Change a member's role (the last owner cannot be demoted)",
      security,
      middleware: [orgAccess(MANAGERS)] as const,
      request: { params: MemberParams, body: jsonBody(ChangeRoleSchema) },
      responses: { 200: jsonResponse(MemberSchema, 'Updated'), ...commonProblems, ...conflictProblem },
    }),
    async (c) => {
      const { orgId, userId } = c.req.valid('param');
      const actor = changeContextQueuingEvents(c);
      return c.json(await changeMemberRole(c.var.db, orgId, userId, c.req.valid('json').role, actor), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'delete',
      path: '/organizations/{orgId}/members/{userId}',
      tags: ['Members'],
      summary:
        'Remove a member (not the last owner): every API key they created in the organization is revoked for good, and their sessions lose the organization at once',
      security,
      middleware: [orgAccess(MANAGERS)] as const,
      request: { params: MemberParams },
      responses: { 204: { description: 'Removed' }, ...commonProblems, ...conflictProblem },
    }),
    async (c) => {
      const { orgId, userId } = c.req.valid('param');
      const actor = changeContextQueuingEvents(c);
      await removeMember(c.var.db, orgId, userId, actor);
      return c.body(null, 204);
    },
  );
