import { createRoute } from '@hono/zod-openapi';
import { FacetQuery, FacetValuesSchema } from '../contract/facets.ts';
import { AUDIT_READERS, orgAccess } from '../middleware/access.ts';
import { canonicalQuery } from '../middleware/canonical-query.ts';
import { facetValues } from '../services/query/index.ts';
import { OrgParams, security } from './params.ts';
import { commonProblems, jsonResponse } from './responses.ts';
import { createRouter } from './router.ts';

export const auditLogFacetRoutes = createRouter().openapi(
  createRoute({
    method: 'get',
    path: '/organizations/{orgId}/audit-logs-facets',
    tags: ['Audit logs'],
    summary: 'The most frequent actors, actions or object types, with their event counts (for filter suggestions)',
    security,
    middleware: [orgAccess(AUDIT_READERS), canonicalQuery(FacetQuery)] as const,
    request: { params: OrgParams, query: FacetQuery },
    responses: { 200: jsonResponse(FacetValuesSchema, 'Up to 100 values, most frequent first'), ...commonProblems },
  }),
  async (c) => c.json(await facetValues(c.var.shardDb, c.req.valid('param').orgId, c.var.query.facet), 200),
);
