import { createRoute, z } from '@hono/zod-openapi';
import { CreatedOrganizationSchema, CreateOrganizationSchema, OrganizationSummarySchema } from '../contract/management';
import { forbidden } from '../errors';
import { signedIn } from '../middleware/access';
import { organizationsOf } from '../services/credentials';
import { createOrganization } from '../services/organizations';
import { clientIp, security } from './params';
import { commonProblems, jsonBody, jsonResponse } from './responses';
import { createRouter } from './router';

export const organizationRoutes = createRouter()
  .openapi(
    createRoute({
      method: 'post',
      path: '/organizations',
      tags: ['Organizations'],
      summary: 'Create an organization (platform admin token only)',
      security,
      middleware: [signedIn] as const,
      request: { body: jsonBody(CreateOrganizationSchema) },
      responses: { 201: jsonResponse(CreatedOrganizationSchema, 'Created; the owner API key is shown only here'), ...commonProblems },
    }),
    async (c) => {
      const principal = c.var.caller;
      if (principal.kind !== 'platform-admin') throw forbidden('Only the platform admin token can create organizations.');
      const created = await createOrganization(c.var.db, c.req.valid('json'), { principal, ip: clientIp(c), now: c.var.now });
      return c.json(created, 201);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/organizations',
      tags: ['Organizations'],
      summary: "The caller's organizations",
      security,
      middleware: [signedIn] as const,
      responses: {
        200: jsonResponse(z.object({ organizations: z.array(OrganizationSummarySchema) }), 'Organizations with the caller role'),
        ...commonProblems,
      },
    }),
    async (c) => c.json({ organizations: await organizationsOf(c.var.db, c.var.caller) }, 200),
  );
