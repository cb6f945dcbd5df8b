import { createRoute } from '@hono/zod-openapi';
import { readSsoConfig } from '../config.ts';
import { OidcMapSchema, SsoConfigurationInput, SsoConfigurationSchema } from '../contract/sso.ts';
import { OWNERS, orgAccess } from '../middleware/access.ts';
import type { AppEnv } from '../middleware/app-env.ts';
import {
  deleteSsoConfiguration,
  getOidcMap,
  getSsoConfiguration,
  putOidcMap,
  putSsoConfiguration,
  type SsoDeployment,
} from '../services/sso/index.ts';
import { changeContextQueuingEvents, OrgParams, security } from './params.ts';
import { commonProblems, conflictProblem, jsonBody, jsonResponse } from './responses.ts';
import { createRouter } from './router.ts';

const CONFIGURATION = '/organizations/{orgId}/sso/configuration';
const OIDC_MAP = '/organizations/{orgId}/oidc-map';

/** The deployment's SSO settings: the key of client secrets at rest and the insecure-http rule. */
export function ssoDeployment(c: { env: AppEnv['Bindings'] }): SsoDeployment {
  return { secretKey: c.env.SSO_SECRET_KEY, allowInsecure: readSsoConfig(c.env).allowInsecure };
}

export const ssoConfigurationRoutes = createRouter()
  .openapi(
    createRoute({
      method: 'get',
      path: CONFIGURATION,
      tags: ['SSO'],
      summary: "The organization's OpenID Connect sign-in (owners); the client secret is never returned",
      security,
      middleware: [orgAccess(OWNERS)] as const,
      request: { params: OrgParams },
      responses: { 200: jsonResponse(SsoConfigurationSchema, 'The configuration'), ...commonProblems },
    }),
    async (c) => c.json(await getSsoConfiguration(c.var.db, c.req.valid('param').orgId), 200),
  )
  .openapi(
    createRoute({
      method: 'put',
      path: CONFIGURATION,
      tags: ['SSO'],
      summary:
        'Create or replace the SSO configuration (owners). A back client without clientSecret keeps the stored secret; a domain another organization has is a 409. Recorded as an audit event.',
      security,
      middleware: [orgAccess(OWNERS)] as const,
      request: { params: OrgParams, body: jsonBody(SsoConfigurationInput) },
      responses: { 200: jsonResponse(SsoConfigurationSchema, 'The configuration now in force'), ...commonProblems, ...conflictProblem },
    }),
    async (c) => {
      const { orgId } = c.req.valid('param');
      const saved = await putSsoConfiguration(c.var.db, orgId, c.req.valid('json'), changeContextQueuingEvents(c), ssoDeployment(c));
      return c.json(saved, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'delete',
      path: CONFIGURATION,
      tags: ['SSO'],
      summary: 'Remove the SSO configuration and its domains (owners); recorded as an audit event',
      security,
      middleware: [orgAccess(OWNERS)] as const,
      request: { params: OrgParams },
      responses: { 204: { description: 'Removed' }, ...commonProblems },
    }),
    async (c) => {
      await deleteSsoConfiguration(c.var.db, c.req.valid('param').orgId, changeContextQueuingEvents(c));
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: OIDC_MAP,
      tags: ['SSO'],
      summary: "Akuity's oidc-map: the groups that give each role at an SSO sign-in (owners); 404 without an SSO configuration",
      security,
      middleware: [orgAccess(OWNERS)] as const,
      request: { params: OrgParams },
      responses: { 200: jsonResponse(OidcMapSchema, 'The role map'), ...commonProblems },
    }),
    async (c) => c.json(await getOidcMap(c.var.db, c.req.valid('param').orgId), 200),
  )
  .openapi(
    createRoute({
      method: 'put',
      path: OIDC_MAP,
      tags: ['SSO'],
      summary:
        'Replace the role map (owners): { "entries": { "<role>": "<group>[,<group>…]" } }. 404 without an SSO configuration (configure SSO first). Recorded as an audit event.',
      security,
      middleware: [orgAccess(OWNERS)] as const,
      request: { params: OrgParams, body: jsonBody(OidcMapSchema) },
      responses: { 200: jsonResponse(OidcMapSchema, 'The role map now in force'), ...commonProblems },
    }),
    async (c) => c.json(await putOidcMap(c.var.db, c.req.valid('param').orgId, c.req.valid('json'), changeContextQueuingEvents(c)), 200),
  );
