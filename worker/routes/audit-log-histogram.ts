import { createRoute } from '@hono/zod-openapi';
import { HistogramQuery, HistogramSchema, MAX_HISTOGRAM_BUCKETS } from '../contract/histogram.ts';
import { toFilters } from '../events/filters.ts';
import { AUDIT_READERS, orgAccess } from '../middleware/access.ts';
import { canonicalQuery } from '../middleware/canonical-query.ts';
import { freeTextBudget } from '../middleware/free-text-budget.ts';
import { resolveFilters } from '../services/organizations/index.ts';
import { auditLogHistogram } from '../services/query/index.ts';
import { OrgParams, security } from './params.ts';
import { commonProblems, jsonResponse } from './responses.ts';
import { createRouter } from './router.ts';

export const auditLogHistogramRoutes = createRouter().openapi(
  createRoute({
    method: 'get',
    path: '/organizations/{orgId}/audit-logs-histogram',
    tags: ['Audit logs'],
    summary: 'Matching events per hour or day, in one query (audit readers)',
    description: `The list's filters (filters.*), counted per bucket over [filters.startTime, filters.endTime or now): each count equals the list's totalCount for that bucket's range. At most ${MAX_HISTOGRAM_BUCKETS} buckets. An instance's histogram is filters.instanceId.`,
    security,
    middleware: [orgAccess(AUDIT_READERS), canonicalQuery(HistogramQuery), freeTextBudget] as const,
    request: { params: OrgParams, query: HistogramQuery },
    responses: { 200: jsonResponse(HistogramSchema, 'Counts per bucket, oldest first'), ...commonProblems },
  }),
  async (c) => {
    const { orgId } = c.req.valid('param');
    const query = c.var.query;
    const filters = await resolveFilters(c.var.db, orgId, toFilters(query));
    const histogram = await auditLogHistogram(c.var.shardDb, orgId, filters, {
      unit: query.bucket,
      step: query.step,
      timeZone: query.timeZone,
      now: c.var.now,
    });
    return c.json(histogram, 200);
  },
);
