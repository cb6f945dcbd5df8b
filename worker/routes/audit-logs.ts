import { createRoute, z } from '@hono/zod-openapi';
import { requireOrgRole, requirePrincipal } from '../auth/authenticate';
import { eventUlid } from '../db/ids';
import { forbidden, invalid, type FieldError } from '../errors';
import type { NewAuditEvent } from '../events/event-shape';
import { IngestBody, type AuditEventInput } from '../events/ingest-schema';
import { getOrganization } from '../services/organizations';
import { ingestEvents, liveInstanceIds } from '../services/ingest';
import { OrgParams, security } from './params';
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
    const maxAgeDays = Number(c.env.MAX_EVENT_AGE_DAYS) || 30;
    // The platform admin may backfill history (imports, the demo seed); everyone else is held to the window.
    const oldest = principal.kind === 'platform-admin' ? Number.NEGATIVE_INFINITY : now - maxAgeDays * DAY_MS;
    const pointer = (index: number, field: string) => (parsed.batch ? `items/${index}/${field}` : field);
    const events = parsed.events.map(toNewEvent);
    const known = await liveInstanceIds(c.var.db, orgId, [...new Set(events.flatMap((event) => (event.instanceId ? [event.instanceId] : [])))]);

    const errors: FieldError[] = [];
    parsed.events.forEach((input, index) => {
      const event = events[index] as NewAuditEvent;
      if (input.organizationId !== undefined && input.organizationId !== orgId) {
        errors.push({ pointer: pointer(index, 'organizationId'), detail: `must be ${orgId} (the organization in the path) or omitted` });
      }
      if (event.timestamp > now + FUTURE_SKEW_MS) errors.push({ pointer: pointer(index, 'timestamp'), detail: 'is more than 5 minutes ahead of the server clock' });
      if (event.timestamp < oldest) errors.push({ pointer: pointer(index, 'timestamp'), detail: `is older than ${maxAgeDays} days (MAX_EVENT_AGE_DAYS)` });
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
