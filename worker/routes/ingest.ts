import { createRoute } from '@hono/zod-openapi';
import { IngestBody, IngestResultSchema } from '../contract/ingest.ts';
import { EVENT_WRITERS, orgAccess } from '../middleware/access.ts';
import { ingest } from '../services/ingest/index.ts';
import { OrgParams, security } from './params.ts';
import { commonProblems, conflictProblem, jsonResponse } from './responses.ts';
import { createRouter } from './router.ts';

/**
 * Ingest: one event or a batch into the organization's shard. Parsing is the contract's (zod plus
 * contract/hostile-json.ts); every rule after that is services/ingest/ingest.ts.
 */
export const ingestRoutes = createRouter().openapi(
  createRoute({
    method: 'post',
    path: '/organizations/{orgId}/audit-logs',
    tags: ['Audit logs'],
    summary: 'Ingest one event or a batch of up to 1000 (all-or-nothing, idempotent on id)',
    security,
    middleware: [orgAccess(EVENT_WRITERS)] as const,
    request: {
      params: OrgParams,
      body: { required: true, content: { 'application/json': { schema: IngestBody } } },
    },
    responses: {
      201: jsonResponse(IngestResultSchema, 'Stored (duplicates counted, not stored twice)'),
      ...commonProblems,
      ...conflictProblem,
    },
  }),
  async (c) => {
    const result = await ingest(c.var.db, c.var.shardDb, {
      organizationId: c.req.valid('param').orgId,
      body: c.req.valid('json'),
      caller: c.var.caller,
      sourceKeyId: c.var.grant.apiKeyId,
      boundInstanceId: c.var.grant.instanceId,
      config: c.var.config,
      now: c.var.now,
    });
    return c.json(result, 201);
  },
);
