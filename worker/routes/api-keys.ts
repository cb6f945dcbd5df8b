import { createRoute, z } from '@hono/zod-openapi';
import { ApiKeySchema, CreateApiKeySchema, CreatedApiKeySchema } from '../contract/management.ts';
import { MANAGERS, orgAccess } from '../middleware/access.ts';
import { createApiKey, listApiKeys, revokeApiKey } from '../services/access/index.ts';
import { ApiKeyParams, changeContextQueuingEvents, OrgParams, security } from './params.ts';
import { commonProblems, jsonBody, jsonResponse } from './responses.ts';
import { createRouter } from './router.ts';

export const apiKeyRoutes = createRouter()
  .openapi(
    createRoute({
      method: 'get',
      path: '/organizations/{orgId}/api-keys',
      tags: ['API keys'],
      summary: "List the organization's API keys (never their secrets)",
      security,
      middleware: [orgAccess(MANAGERS)] as const,
      request: { params: OrgParams },
      responses: { 200: jsonResponse(z.object({ apiKeys: z.array(ApiKeySchema) }), 'Keys, newest first'), ...commonProblems },
    }),
    async (c) => c.json({ apiKeys: await listApiKeys(c.var.db, c.req.valid('param').orgId) }, 200),
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/organizations/{orgId}/api-keys',
      tags: ['API keys'],
      summary: 'Create an API key; the secret is returned only in this response',
      security,
      middleware: [orgAccess(MANAGERS)] as const,
      request: { params: OrgParams, body: jsonBody(CreateApiKeySchema) },
      responses: { 201: jsonResponse(CreatedApiKeySchema, 'Created'), ...commonProblems },
    }),
    async (c) => {
      const { orgId } = c.req.valid('param');
      const body = c.req.valid('json');
      const input = {
        name: body.name,
        role: body.role,
        kind: body.kind,
        instanceId: body.instanceId ?? null,
        expiresAt: body.expiresAt === undefined ? null : Date.parse(body.expiresAt),
      };
      return c.json(await createApiKey(c.var.db, orgId, input, changeContextQueuingEvents(c)), 201);
    },
  )
  .openapi(
    createRoute({
      method: 'delete',
      path: '/organizations/{orgId}/api-keys/{keyId}',
      tags: ['API keys'],
      summary: 'Revoke an API key (its sessions end too)',
      security,
      middleware: [orgAccess(MANAGERS)] as const,
      request: { params: ApiKeyParams },
      responses: { 204: { description: 'Revoked' }, ...commonProblems },
    }),
    async (c) => {
      const { orgId, keyId } = c.req.valid('param');
      await revokeApiKey(c.var.db, orgId, keyId, changeContextQueuingEvents(c));
      return c.body(null, 204);
    },
  );
