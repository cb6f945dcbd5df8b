import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppEnv } from '../app-env';
import { readConfig } from '../config';
import { OWNERS, requireOrgRole, requirePrincipal } from '../auth/authenticate';
import { eventUlid } from '../db/ids';
import { ApiError, badRequest, forbidden, invalid, notFound, type FieldError } from '../errors';
import { canonicalize, type NewAuditEvent } from '../events/event-shape';
import { managementEvent } from '../events/management-event';
import { ExportQuery, ListQuery, toFilters } from '../events/query-schema';
import { exportStream } from '../services/audit-log-export';
import { decodeCursor, queryAuditLogs } from '../services/audit-log-query';
import { recordChange } from '../services/audit-events';
import { instanceEverExisted } from '../services/instances';
import { IngestBody, type AuditEventInput } from '../events/ingest-schema';
import { getOrganization } from '../services/organizations';
import { ingestEvents, liveInstanceIds } from '../services/ingest';
import { clientIp, InstanceParams, OrgParams, security } from './params';
import { commonProblems, conflictProblem, jsonResponse } from './responses';
import { createRouter } from './router';

const FUTURE_SKEW_MS = 5 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

const IngestResult = z
  .object({ accepted: z.number().int(), duplicates: z.number().int(), ids: z.array(z.string()) })
  .openapi('IngestResult');

function toNewEvent(input: AuditEventInput): NewAuditEvent {
  const timestamp = Date.parse(input.timestamp);
  return {
    id: input.id ?? eventUlid(timestamp),
    instanceId: input.instanceId ?? null,
    timestamp,
    action: input.action,
    actor: input.actor,
    object: input.object,
    details: input.details ?? null,
  };
}

export const auditLogRoutes = createRouter().openapi(
  createRoute({
    method: 'post',
    path: '/organizations/{orgId}/audit-logs',
    tags: ['Audit logs'],
    summary: 'Ingest one event or a batch of up to 1000 (all-or-nothing, idempotent on id)',
    security,
    request: {
      params: OrgParams,
      body: { required: true, content: { 'application/json': { schema: IngestBody } } },
    },
    responses: { 201: jsonResponse(IngestResult, 'Stored (duplicates counted, not stored twice)'), ...commonProblems, ...conflictProblem },
  }),
  async (c) => {
    const { orgId } = c.req.valid('param');
    const grant = requireOrgRole(c, orgId, ['owner', 'admin', 'ingest']);
    const principal = requirePrincipal(c);
    const parsed = c.req.valid('json');
    await getOrganization(c.var.db, orgId);

    const now = c.var.now;
    // The platform admin may backfill history (imports, the demo seed) up to the hot retention
    // period (older weeks may already be archived and purged); everyone else is held to MAX_EVENT_AGE_DAYS.
    const maxAgeDays = principal.kind === 'platform-admin' ? readConfig(c.env).hotRetentionDays : readConfig(c.env).maxEventAgeDays;
    const oldest = now - maxAgeDays * DAY_MS;
    const pointer = (index: number, field: string) => (parsed.batch ? `items/${index}/${field}` : field);
    const events = parsed.events.map(toNewEvent);
    const known = await liveInstanceIds(c.var.db, orgId, [
      ...new Set(events.flatMap((event) => (event.instanceId ? [event.instanceId] : []))),
    ]);

    const errors: FieldError[] = [];
    parsed.events.forEach((input, index) => {
      const event = events[index] as NewAuditEvent;
      if (input.organizationId !== undefined && input.organizationId !== orgId) {
        errors.push({ pointer: pointer(index, 'organizationId'), detail: `must be ${orgId} (the organization in the path) or omitted` });
      }
      if (event.timestamp > now + FUTURE_SKEW_MS)
        errors.push({ pointer: pointer(index, 'timestamp'), detail: 'is more than 5 minutes ahead of the server clock' });
      if (event.timestamp < oldest)
        errors.push({
          pointer: pointer(index, 'timestamp'),
          detail: `is older than ${maxAgeDays} days (${principal.kind === 'platform-admin' ? 'HOT_RETENTION_DAYS' : 'MAX_EVENT_AGE_DAYS'})`,
        });
      if (event.instanceId !== null && !known.has(event.instanceId)) {
        errors.push({ pointer: pointer(index, 'instanceId'), detail: `instance ${event.instanceId} does not exist in this organization` });
      }
    });
    if (errors.length > 0) throw invalid('One or more events are invalid; nothing was written.', errors);
    if (grant.instanceId !== null && events.some((event) => event.instanceId !== grant.instanceId)) {
      throw forbidden(`This API key may only write events of instance ${grant.instanceId}.`);
    }
    const result = await ingestEvents(c.var.db, orgId, events, now);
    return c.json(result, 201);
  },
);

const AuditEvent = z
  .object({
    id: z.string(),
    organizationId: z.string(),
    instanceId: z.string().nullable(),
    timestamp: z.string(),
    action: z.string(),
    actor: z.object({ type: z.string(), id: z.string(), ip: z.string() }),
    object: z.object({
      type: z.string(),
      id: z.object({ name: z.string(), kind: z.string(), group: z.string() }),
      parentId: z.object({ name: z.string(), parentName: z.string(), applicationName: z.string() }),
    }),
    details: z.object({ message: z.string(), patch: z.string(), actionType: z.string() }).catchall(z.unknown()),
    count: z.number().int(),
    lastOccurredTimestamp: z.string(),
  })
  .openapi('AuditEvent');

const AuditLogPage = z
  .object({ items: z.array(AuditEvent), totalCount: z.number().int(), nextCursor: z.string().nullable() })
  .openapi('AuditLogPage');

/**
 * Events older than HOT_RETENTION_DAYS leave D1 once archived: every list answer says so in its
 * headers, and links the organization's archives, where those events live.
 */
function retentionHeaders(c: Context<AppEnv>, orgId: string): void {
  c.header('x-hot-retention-days', String(readConfig(c.env).hotRetentionDays));
  c.header('link', `</api/v1/organizations/${orgId}/audit-logs-archives>; rel="archives"`);
}

function pageOf(query: z.infer<typeof ListQuery>) {
  if (query.cursor !== undefined && query['filters.offset'] > 0) throw badRequest('Use either cursor or filters.offset, not both.');
  const cursor = query.cursor === undefined ? null : decodeCursor(query.cursor);
  if (query.cursor !== undefined && cursor === null)
    throw new ApiError(400, 'invalid-cursor', 'The cursor is not valid: pass nextCursor from a previous page unchanged.');
  return { limit: query['filters.limit'], offset: query['filters.offset'], cursor };
}

export const auditLogReadRoutes = createRouter()
  .openapi(
    createRoute({
      method: 'get',
      path: '/organizations/{orgId}/audit-logs',
      tags: ['Audit logs'],
      summary: "The organization's audit events, newest first (owners only)",
      description:
        'Events older than HOT_RETENTION_DAYS (default 90; header X-Hot-Retention-Days) are only in the weekly archives (Link rel="archives").',
      security,
      request: { params: OrgParams, query: ListQuery },
      responses: { 200: jsonResponse(AuditLogPage, 'One page of events'), ...commonProblems },
    }),
    async (c) => {
      const { orgId } = c.req.valid('param');
      requireOrgRole(c, orgId, OWNERS);
      const query = c.req.valid('query');
      retentionHeaders(c, orgId);
      return c.json(await queryAuditLogs(c.var.db, orgId, toFilters(query), pageOf(query)), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/organizations/{orgId}/instances/{instanceId}/audit-logs',
      tags: ['Audit logs'],
      summary: "One instance's audit events, newest first (owners only; deleted instances stay readable)",
      security,
      request: { params: InstanceParams, query: ListQuery },
      responses: { 200: jsonResponse(AuditLogPage, 'One page of events'), ...commonProblems },
    }),
    async (c) => {
      const { orgId, instanceId } = c.req.valid('param');
      requireOrgRole(c, orgId, OWNERS);
      const query = c.req.valid('query');
      const filters = toFilters(query);
      if (filters.instanceId !== null && filters.instanceId !== instanceId) {
        throw badRequest('filters.instanceId contradicts the instance in the path.');
      }
      if (!(await instanceEverExisted(c.var.db, orgId, instanceId)))
        throw notFound(`Instance ${instanceId} does not exist in organization ${orgId}.`);
      retentionHeaders(c, orgId);
      return c.json(await queryAuditLogs(c.var.db, orgId, { ...filters, instanceId }, pageOf(query)), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/organizations/{orgId}/csv-audit-logs',
      tags: ['Audit logs'],
      summary: 'Every matching event as CSV (or NDJSON with ?format=ndjson), streamed; recorded as an export event',
      security,
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
      requireOrgRole(c, orgId, OWNERS);
      const query = c.req.valid('query');
      const filters = toFilters(query);
      const principal = requirePrincipal(c);
      const now = c.var.now;
      const event = managementEvent(
        principal,
        clientIp(c),
        {
          action: 'export',
          objectType: 'audit_log_archive',
          objectName: `audit-logs.${query.format}`,
          instanceId: null,
          message: `Exported audit logs as ${query.format.toUpperCase()}`,
          extra: {
            format: query.format,
            filters: canonicalize(Object.fromEntries(Object.entries(query).filter(([key]) => key.startsWith('filters.')))),
          },
        },
        now,
      );
      await recordChange(c.var.db, orgId, event, now);
      const day = new Date(now).toISOString().slice(0, 10);
      const body = exportStream(c.var.db, orgId, filters, query.format);
      return new Response(body, {
        status: 200,
        headers: {
          'content-type': query.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
          'content-disposition': `attachment; filename="audit-logs_${orgId}_${day}.${query.format === 'csv' ? 'csv' : 'ndjson'}"`,
        },
      });
    },
  );
