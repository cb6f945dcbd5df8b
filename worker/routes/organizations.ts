import { createRoute, z } from '@hono/zod-openapi';
import { CreatedOrganizationSchema, CreateOrganizationSchema, OrganizationSummarySchema } from '../contract/management.ts';
import { shardSet } from '../db/shards.ts';
import { ApiError, forbidden } from '../errors.ts';
import { signedIn } from '../middleware/access.ts';
import { markChangesQueued } from '../middleware/change-events.ts';
import { organizationsOf } from '../services/access/index.ts';
import { placeOrganization } from '../services/event-store/index.ts';
import { createOrganization } from '../services/organizations/index.ts';
import { clientIp, security } from './params.ts';
import { commonProblems, jsonBody, jsonResponse } from './responses.ts';
import { createRouter } from './router.ts';

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
      const input = c.req.valid('json');
      const shards = shardSet(c.env);
      if (input.shard !== undefined && !shards.placement.includes(input.shard)) {
        throw new ApiError('validation-failed', "The shard is not one of this deployment's event databases.", [
          { pointer: 'shard', detail: `must be one of ${shards.placement.join(', ')} (EVENT_SHARDS)` },
        ]);
      }
      const shard =
        input.shard ??
        (await placeOrganization(
          c.var.db,
          shards.placement.map((name) => ({ name, db: c.var.sessions.database(name) })),
        ));
      // The new organization's creation event waits in the outbox until its shard is known.
      markChangesQueued(c);
      const created = await createOrganization(c.var.db, { ...input, shard }, { principal, ip: clientIp(c), now: c.var.now });
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
