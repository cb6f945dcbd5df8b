import { createRoute, z } from '@hono/zod-openapi';
import { MANAGERS, READERS, requireOrgRole, requirePrincipal } from '../auth/authenticate';
import { mayGrant } from '../auth/roles';
import { ROLES } from '../db/schema';
import { forbidden } from '../errors';
import { addMember, changeMemberRole, getMember, listMembers, removeMember } from '../services/members';
import { getOrganization } from '../services/organizations';
import { clientIp, DisplayName, Email, MemberParams, OrgParams, security } from './params';
import { commonProblems, conflictProblem, jsonBody, jsonResponse } from './responses';
import { createRouter } from './router';

const Role = z.enum(ROLES);
const Member = z.object({ userId: z.string(), email: z.string(), name: z.string(), role: Role, createdAt: z.string() }).openapi('Member');

function refuseUnlessGrantable(callerRole: Parameters<typeof mayGrant>[0], role: Parameters<typeof mayGrant>[1]) {
  if (!mayGrant(callerRole, role)) throw forbidden(`Your role (${callerRole}) cannot manage ${role} members.`);
}

export const memberRoutes = createRouter()
  .openapi(
    createRoute({
      method: 'get',
      path: '/organizations/{orgId}/members',
      tags: ['Members'],
      summary: "List the organization's members",
      security,
      request: { params: OrgParams },
      responses: { 200: jsonResponse(z.object({ members: z.array(Member) }), 'Members by email'), ...commonProblems },
    }),
    async (c) => {
      const { orgId } = c.req.valid('param');
      requireOrgRole(c, orgId, READERS);
      return c.json({ members: await listMembers(c.var.db, orgId) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/organizations/{orgId}/members',
      tags: ['Members'],
      summary: 'Add a member (an unknown email creates the user)',
      security,
      request: { params: OrgParams, body: jsonBody(z.object({ email: Email, name: DisplayName, role: Role })) },
      responses: { 201: jsonResponse(Member, 'Added'), ...commonProblems, ...conflictProblem },
    }),
    async (c) => {
      const { orgId } = c.req.valid('param');
      const body = c.req.valid('json');
      const grant = requireOrgRole(c, orgId, MANAGERS);
      refuseUnlessGrantable(grant.role, body.role);
      await getOrganization(c.var.db, orgId);
      return c.json(await addMember(c.var.db, orgId, body, requirePrincipal(c), clientIp(c), c.var.now), 201);
    },
  )
  .openapi(
    createRoute({
      method: 'patch',
      path: '/organizations/{orgId}/members/{userId}',
      tags: ['Members'],
      summary: "Change a member's role (the last owner cannot be demoted)",
      security,
      request: { params: MemberParams, body: jsonBody(z.object({ role: Role })) },
      responses: { 200: jsonResponse(Member, 'Updated'), ...commonProblems, ...conflictProblem },
    }),
    async (c) => {
      const { orgId, userId } = c.req.valid('param');
      const { role } = c.req.valid('json');
      const grant = requireOrgRole(c, orgId, MANAGERS);
      const member = await getMember(c.var.db, orgId, userId);
      refuseUnlessGrantable(grant.role, member.role);
      refuseUnlessGrantable(grant.role, role);
      return c.json(await changeMemberRole(c.var.db, orgId, userId, role, requirePrincipal(c), clientIp(c), c.var.now), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'delete',
      path: '/organizations/{orgId}/members/{userId}',
      tags: ['Members'],
      summary: 'Remove a member (not the last owner); their API keys stop working',
      security,
      request: { params: MemberParams },
      responses: { 204: { description: 'Removed' }, ...commonProblems, ...conflictProblem },
    }),
    async (c) => {
      const { orgId, userId } = c.req.valid('param');
      const grant = requireOrgRole(c, orgId, MANAGERS);
      const member = await getMember(c.var.db, orgId, userId);
      refuseUnlessGrantable(grant.role, member.role);
      await removeMember(c.var.db, orgId, userId, requirePrincipal(c), clientIp(c), c.var.now);
      return c.body(null, 204);
    },
  );
