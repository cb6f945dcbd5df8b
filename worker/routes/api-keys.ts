import { createRoute, z } from '@hono/zod-openapi';
import { MANAGERS, requireOrgRole, requirePrincipal } from '../auth/authenticate';
import { mayGrant } from '../auth/roles';
import { KEY_ROLES } from '../db/schema';
import { forbidden, invalidField } from '../errors';
import { createApiKey, getApiKey, listApiKeys, revokeApiKey } from '../services/api-keys';
import { instanceExists } from '../services/instances';
import { getOrganization } from '../services/organizations';
import { ApiKeyParams, clientIp, DisplayName, OrgParams, security } from './params';
import { commonProblems, jsonBody, jsonResponse } from './responses';
import { createRouter } from './router';

const KeyRole = z.enum(KEY_ROLES);
const ApiKey = z
  .object({
    id: z.string(),
    name: z.string(),
    role: KeyRole,
    instanceId: z.string().nullable(),
    prefix: z.string().openapi({ description: 'First characters of the secret, for recognising it' }),
    userId: z.string().nullable().openapi({ description: 'The user the key acts for' }),
    createdAt: z.string(),
    lastUsedAt: z.string().nullable(),
    expiresAt: z.string().nullable(),
    revokedAt: z.string().nullable(),
  })
  .openapi('ApiKey');

const CreateApiKeyBody = z
  .object({
    name: DisplayName,
    role: KeyRole,
    instanceId: z.string().min(1).max(256).optional().openapi({ description: 'Only for ingest keys: limit writes to this instance' }),
    expiresAt: z.iso.datetime({ offset: true }).optional().openapi({ description: 'RFC 3339; the key stops working then' }),
  })
  .openapi('CreateApiKey');

export const apiKeyRoutes = createRouter()
  .openapi(
    createRoute({
      method: 'get',
      path: '/organizations/{orgId}/api-keys',
      tags: ['API keys'],
      summary: "List the organization's API keys (never their secrets)",
      security,
      request: { params: OrgParams },
      responses: { 200: jsonResponse(z.object({ apiKeys: z.array(ApiKey) }), 'Keys, newest first'), ...commonProblems },
    }),
    async (c) => {
      const { orgId } = c.req.valid('param');
      requireOrgRole(c, orgId, MANAGERS);
      return c.json({ apiKeys: await listApiKeys(c.var.db, orgId) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/organizations/{orgId}/api-keys',
      tags: ['API keys'],
      summary: 'Create an API key; the secret is returned only in this response',
      security,
      request: { params: OrgParams, body: jsonBody(CreateApiKeyBody) },
      responses: { 201: jsonResponse(ApiKey.extend({ secret: z.string() }), 'Created'), ...commonProblems },
    }),
    async (c) => {
      const { orgId } = c.req.valid('param');
      const body = c.req.valid('json');
      const grant = requireOrgRole(c, orgId, MANAGERS);
      if (!mayGrant(grant.role, body.role)) throw forbidden(`Your role (${grant.role}) cannot create ${body.role} keys.`);
      await getOrganization(c.var.db, orgId);
      if (body.instanceId !== undefined) {
        if (body.role !== 'ingest') throw invalidField('instanceId', 'Only ingest keys can be limited to an instance.');
        if (!(await instanceExists(c.var.db, orgId, body.instanceId))) {
          throw invalidField('instanceId', `Instance ${body.instanceId} does not exist in this organization.`);
        }
      }
      const expiresAt = body.expiresAt === undefined ? null : Date.parse(body.expiresAt);
      if (expiresAt !== null && expiresAt <= c.var.now) throw invalidField('expiresAt', 'The expiry must be in the future.');
      const created = await createApiKey(
        c.var.db,
        orgId,
        { name: body.name, role: body.role, instanceId: body.instanceId ?? null, expiresAt },
        requirePrincipal(c),
        clientIp(c),
        c.var.now,
      );
      return c.json(created, 201);
    },
  )
  .openapi(
    createRoute({
      method: 'delete',
      path: '/organizations/{orgId}/api-keys/{keyId}',
      tags: ['API keys'],
      summary: 'Revoke an API key (its sessions end too)',
      security,
      request: { params: ApiKeyParams },
      responses: { 204: { description: 'Revoked' }, ...commonProblems },
    }),
    async (c) => {
      const { orgId, keyId } = c.req.valid('param');
      const grant = requireOrgRole(c, orgId, MANAGERS);
      const key = await getApiKey(c.var.db, orgId, keyId);
      if (!mayGrant(grant.role, key.role)) throw forbidden(`Your role (${grant.role}) cannot revoke ${key.role} keys.`);
      await revokeApiKey(c.var.db, orgId, keyId, requirePrincipal(c), clientIp(c), c.var.now);
      return c.body(null, 204);
    },
  );
