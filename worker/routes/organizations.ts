import { createRoute, z } from '@hono/zod-openapi';
import { requirePrincipal } from '../auth/authenticate';
import { forbidden } from '../errors';
import { organizationsOf } from '../services/credentials';
import { createOrganization } from '../services/organizations';
import { clientIp, DisplayName, Email, security } from './params';
import { commonProblems, jsonBody, jsonResponse } from './responses';
import { createRouter } from './router';

const OrganizationSummary = z
  .object({ id: z.string(), name: z.string(), role: z.enum(['owner', 'admin', 'member', 'ingest']) })
  .openapi('OrganizationSummary');

const CreateOrganizationBody = z
  .object({
    name: DisplayName.openapi({ example: 'Acme' }),
    owner: z.object({ email: Email.openapi({ example: 'alice@example.com' }), name: DisplayName.openapi({ example: 'Alice' }) }),
  })
  .openapi('CreateOrganization');

export const organizationRoutes = createRouter()
  .openapi(
    createRoute({
      method: 'post',
      path: '/organizations',
      tags: ['Organizations'],
      summary: 'Create an organization (platform admin token only)',
      security,
      request: { body: jsonBody(CreateOrganizationBody) },
      responses: {
        201: jsonResponse(
          z.object({ organization: z.object({ id: z.string(), name: z.string() }), ownerApiKey: z.string() }),
          'Created; the owner API key is shown only here',
        ),
        ...commonProblems,
      },
    }),
    async (c) => {
      const principal = requirePrincipal(c);
      if (principal.kind !== 'platform-admin') throw forbidden('Only the platform admin token can create organizations.');
      const created = await createOrganization(c.var.db, c.req.valid('json'), principal, clientIp(c), c.var.now);
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
      responses: {
        200: jsonResponse(z.object({ organizations: z.array(OrganizationSummary) }), 'Organizations with the caller role'),
        ...commonProblems,
      },
    }),
    async (c) => c.json({ organizations: await organizationsOf(c.var.db, requirePrincipal(c)) }, 200),
  );
