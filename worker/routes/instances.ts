import { createRoute, z } from '@hono/zod-openapi';
import { CreateInstanceSchema, InstanceSchema, InstanceTypeSchema } from '../contract/management.ts';
import { MANAGERS, orgAccess, READERS } from '../middleware/access.ts';
import { createInstance, deleteInstance, getInstance, listInstances } from '../services/organizations/index.ts';
import { changeContextQueuingEvents, InstanceParams, OrgParams, security } from './params.ts';
import { commonProblems, conflictProblem, jsonBody, jsonResponse } from './responses.ts';
import { createRouter } from './router.ts';

export const instanceRoutes = createRouter()
  .openapi(
    createRoute({
      method: 'post',
      path: '/organizations/{orgId}/instances',
      tags: ['Instances'],
      summary: 'Create an Argo CD or Kargo instance',
      security,
      middleware: [orgAccess(MANAGERS)] as const,
      request: { params: OrgParams, body: jsonBody(CreateInstanceSchema) },
      responses: { 201: jsonResponse(InstanceSchema, 'Created'), ...commonProblems, ...conflictProblem },
    }),
    async (c) => {
      const { orgId } = c.req.valid('param');
      const instance = await createInstance(c.var.db, orgId, c.req.valid('json'), changeContextQueuingEvents(c));
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
      middleware: [orgAccess(READERS)] as const,
      request: {
        params: OrgParams,
        query: z.object({
          type: InstanceTypeSchema.optional(),
          includeDeleted: z
            .enum(['true', 'false'])
            .transform((value) => value === 'true')
            .optional()
            .openapi({
              param: { name: 'includeDeleted', in: 'query' },
              description: 'Also deleted instances (default false)',
              type: 'boolean',
            }),
        }),
      },
      responses: { 200: jsonResponse(z.object({ instances: z.array(InstanceSchema) }), 'Instances, by type and name'), ...commonProblems },
    }),
    async (c) => {
      const { orgId } = c.req.valid('param');
      const { type, includeDeleted } = c.req.valid('query');
      return c.json({ instances: await listInstances(c.var.db, orgId, { type, includeDeleted: includeDeleted ?? false }) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/organizations/{orgId}/instances/{instanceId}',
      tags: ['Instances'],
      summary: 'One instance (deleted ones too, with deletedAt)',
      security,
      middleware: [orgAccess(READERS)] as const,
      request: { params: InstanceParams },
      responses: { 200: jsonResponse(InstanceSchema, 'The instance'), ...commonProblems },
    }),
    async (c) => {
      const { orgId, instanceId } = c.req.valid('param');
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
      middleware: [orgAccess(MANAGERS)] as const,
      request: { params: InstanceParams },
      responses: { 204: { description: 'Deleted' }, ...commonProblems },
    }),
    async (c) => {
      const { orgId, instanceId } = c.req.valid('param');
      await deleteInstance(c.var.db, orgId, instanceId, changeContextQueuingEvents(c));
      return c.body(null, 204);
    },
  );
