import { createRoute } from '@hono/zod-openapi';
import { StreamPageSchema, StreamQuery } from '../contract/stream.ts';
import { AUDIT_READERS, orgAccess } from '../middleware/access.ts';
import { canonicalQuery } from '../middleware/canonical-query.ts';
import { readStream } from '../services/query/index.ts';
import { OrgParams, security } from './params.ts';
import { commonProblems, jsonResponse } from './responses.ts';
import { createRouter } from './router.ts';

export const auditLogStreamRoutes = createRouter().openapi(
  createRoute({
    method: 'get',
    path: '/organizations/{orgId}/audit-log-stream',
    tags: ['Audit logs'],
    summary: 'Every event after a sequence number, ascending: complete incremental reads for SIEM importers',
    description:
      'Resume with afterSequence = the lastSequence of the previous answer. Events older than HOT_RETENTION_DAYS have left D1: when the first item is above afterSequence + 1, the ones between are in the weekly archives.',
    security,
    middleware: [orgAccess(AUDIT_READERS), canonicalQuery(StreamQuery)] as const,
    request: { params: OrgParams, query: StreamQuery },
    responses: { 200: jsonResponse(StreamPageSchema, 'Events in sequence order'), ...commonProblems },
  }),
  async (c) => {
    const { orgId } = c.req.valid('param');
    const { afterSequence, limit } = c.var.query;
    c.header('link', `</api/v1/organizations/${orgId}/audit-logs-archives>; rel="archives"`);
    return c.json(await readStream(c.var.shardDb, orgId, afterSequence, limit), 200);
  },
);
