import { createRoute, z } from '@hono/zod-openapi';
import { MANAGERS, READERS, requireOrgRole, requirePrincipal } from '../auth/authenticate';
import { INSTANCE_TYPES } from '../db/schema';
import { createInstance, deleteInstance, getInstance, listInstances } from '../services/instances';
import { getOrganization } from '../services/organizations';
import { clientIp, InstanceParams, OrgParams, security } from './params';
import { commonProblems, conflictProblem, jsonBody, jsonResponse as json } from './responses';
import { createRouter } from './router';

const InstanceType = z.enum(INSTANCE_TYPES);
const Instance = z.object({ id: z.string(), type: InstanceType, name: z.string(), createdAt: z.string() }).openapi('Instance');
const InstanceName = z
  .string()
  .trim()
  .min(1)
  .max(63)
  .regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/, 'Use lowercase letters, digits and dashes (a DNS label).')
  .openapi({ example: 'prod' });

export const instanceRoutes = createRouter()
  .openapi(
    createRoute({
      method: 'post',
      path: '/organizations/{orgId}/instances',
      tags: ['Instances'],
      summary: 'Create an Argo CD or Kargo instance',
      security,
      request: {
        params: OrgParams,
        body: jsonBody(z.object({ type: InstanceType, name: InstanceName })),
      },
      responses: { 201: json(Instance, 'Created'), ...commonProblems, ...conflictProblem },
    }),
    async (c) => {
      const { orgId } = c.req.valid('param');
      requireOrgRole(c, orgId, MANAGERS);
      await getOrganization(c.var.db, orgId);
      const instance = await createInstance(c.var.db, orgId, c.req.valid('json'), requirePrincipal(c), clientIp(c), c.var.now);
      return c.json(instance, 201);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/organizations/{orgId}/instances',
      tags: ['Instances'],
      summary: "List the organization's instances",
      security,
      request: { params: OrgParams, query: z.object({ type: InstanceType.optional() }) },
      responses: { 200: json(z.object({ instances: z.array(Instance) }), 'Instances, by type and name'), ...commonProblems },
    }),
    async (c) => {
      const { orgId } = c.req.valid('param');
      requireOrgRole(c, orgId, READERS);
      return c.json({ instances: await listInstances(c.var.db, orgId, c.req.valid('query').type) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/organizations/{orgId}/instances/{instanceId}',
      tags: ['Instances'],
      summary: 'One instance',
      security,
      request: { params: InstanceParams },
      responses: { 200: json(Instance, 'The instance'), ...commonProblems },
    }),
    async (c) => {
      const { orgId, instanceId } = c.req.valid('param');
      requireOrgRole(c, orgId, READERS);
      return c.json(await getInstance(c.var.db, orgId, instanceId), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'delete',
      path: '/organizations/{orgId}/instances/{instanceId}',
      tags: ['Instances'],
      summary: 'Delete an instance (its audit events are kept)',
      security,
      request: { params: InstanceParams },
      responses: { 204: { description: 'Deleted' }, ...commonProblems },
    }),
    async (c) => {
      const { orgId, instanceId } = c.req.valid('param');
      requireOrgRole(c, orgId, MANAGERS);
      await deleteInstance(c.var.db, orgId, instanceId, requirePrincipal(c), clientIp(c), c.var.now);
      return c.body(null, 204);
    },
  );
