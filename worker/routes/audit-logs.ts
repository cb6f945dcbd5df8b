import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { AuditLogPageSchema } from '../contract/audit-event.ts';
import { ExportQuery, ListQuery } from '../contract/query.ts';
import type { AuditLogSettings } from '../contract/settings.ts';
import { canonicalize } from '../events/event-shape.ts';
import { toFilters, toPage } from '../events/filters.ts';
import { AUDIT_READERS, orgAccess } from '../middleware/access.ts';
import type { AppEnv } from '../middleware/app-env.ts';
import { canonicalQuery } from '../middleware/canonical-query.ts';
import { freeTextBudget } from '../middleware/free-text-budget.ts';
import { getSettings, resolveFilters } from '../services/organizations/index.ts';
import { queryAuditLogs, queryInstanceAuditLogs, startExport } from '../services/query/index.ts';
import { clientIp, InstanceParams, OrgParams, security } from './params.ts';
import { commonProblems, jsonResponse } from './responses.ts';
import { createRouter } from './router.ts';

/**
 * Events older than the organization's hot retention leave D1 once archived: every list answer
 * says so in its headers, and links the organization's archives, where those events live.
 */
function retentionHeaders(c: Pick<Context<AppEnv>, 'header'>, settings: AuditLogSettings, orgId: string): void {
  c.header('x-hot-retention-days', String(settings.hotRetentionDays));
  c.header('link', `</api/v1/organizations/${orgId}/audit-logs-archives>; rel="archives"`);
}

/** Reads of the organization's events: a page of the list (all, or one instance's) and the CSV/NDJSON export. */
export const auditLogRoutes = createRouter()
  .openapi(
    createRoute({
      method: 'get',
      path: '/organizations/{orgId}/audit-logs',
      tags: ['Audit logs'],
      summary: "The organization's audit events, newest first (owners only)",
      description:
        'Events older than the organization\'s hot retention (audit-log-settings; header X-Hot-Retention-Days) are only in the weekly archives (Link rel="archives").',
      security,
      middleware: [orgAccess(AUDIT_READERS), canonicalQuery(ListQuery), freeTextBudget] as const,
      request: { params: OrgParams, query: ListQuery },
      responses: { 200: jsonResponse(AuditLogPageSchema, 'One page of events'), ...commonProblems },
    }),
    async (c) => {
      const { orgId } = c.req.valid('param');
      const query = c.var.query;
      const [page, settings] = await Promise.all([
        resolveFilters(c.var.db, orgId, toFilters(query)).then((filters) => queryAuditLogs(c.var.shardDb, orgId, filters, toPage(query))),
        getSettings(c.var.db, orgId, c.var.config),
      ]);
      retentionHeaders(c, settings, orgId);
      return c.json(page, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/organizations/{orgId}/instances/{instanceId}/audit-logs',
      tags: ['Audit logs'],
      summary: "One instance's audit events, newest first (owners only; deleted instances stay readable)",
      security,
      middleware: [orgAccess(AUDIT_READERS), canonicalQuery(ListQuery), freeTextBudget] as const,
      request: { params: InstanceParams, query: ListQuery },
      responses: { 200: jsonResponse(AuditLogPageSchema, 'One page of events'), ...commonProblems },
    }),
    async (c) => {
      const { orgId, instanceId } = c.req.valid('param');
      const query = c.var.query;
      const [page, settings] = await Promise.all([
        resolveFilters(c.var.db, orgId, toFilters(query)).then((filters) =>
          queryInstanceAuditLogs(c.var.db, c.var.shardDb, orgId, instanceId, filters, toPage(query)),
        ),
        getSettings(c.var.db, orgId, c.var.config),
      ]);
      retentionHeaders(c, settings, orgId);
      return c.json(page, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/organizations/{orgId}/csv-audit-logs',
      tags: ['Audit logs'],
      summary:
        'Every matching event (or filters.limit of them from filters.offset) as CSV, or NDJSON with ?format=ndjson, streamed; a GET is recorded as an export event (a HEAD is not)',
      security,
      middleware: [orgAccess(AUDIT_READERS), canonicalQuery(ExportQuery), freeTextBudget] as const,
      request: { params: OrgParams, query: ExportQuery },
      responses: {
        200: {
          description: 'RFC 4180 CSV with a header row, or NDJSON (one event of the AuditEvent shape per line)',
          content: { 'text/csv': { schema: z.string() }, 'application/x-ndjson': { schema: z.string() } },
        },
        ...commonProblems,
      },
    }),
    async (c) => {
      const { orgId } = c.req.valid('param');
      const query = c.var.query;
      const { format } = query;
      const filters = await resolveFilters(c.var.db, orgId, toFilters(query));
      const day = new Date(c.var.now).toISOString().slice(0, 10);
      const headers = {
        'content-type': format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
        'content-disposition': `attachment; filename="audit-logs_${orgId}_${day}.${format}"`,
      };
      // A HEAD (Hono answers it with this GET handler) sends no events, so it is no export: it
      // gets the GET's headers and checks, but neither reads the events nor records anything.
      if (c.req.method === 'HEAD') return new Response(null, { status: 200, headers });
      const filterParameters = canonicalize(Object.fromEntries(Object.entries(query).filter(([key]) => key.startsWith('filters.'))));
      const body = await startExport(
        c.var.shardDb,
        orgId,
        {
          format,
          filters,
          filterParameters: filterParameters as Record<string, unknown>,
          limit: query['filters.limit'] ?? null,
          offset: query['filters.offset'],
        },
        { principal: c.var.caller, ip: clientIp(c), now: c.var.now },
      );
      return new Response(body, { status: 200, headers });
    },
  );
