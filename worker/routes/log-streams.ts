import { createRoute, z } from '@hono/zod-openapi';
import { readWebhookConfig } from '../config.ts';
import {
  CreateLogStreamSchema,
  LogStreamAnswerSchema,
  LogStreamDeliveriesQuery,
  LogStreamDeliveriesSchema,
  LogStreamListSchema,
  LogStreamTestSchema,
  UpdateLogStreamSchema,
} from '../contract/log-streams.ts';
import type { WorkerEnv } from '../env.ts';
import { OWNERS, orgAccess } from '../middleware/access.ts';
import {
  createStream,
  deleteStream,
  getStream,
  listDeliveries,
  listStreams,
  streamRow,
  testStream,
  updateStream,
  wakeStream,
} from '../services/log-streams/index.ts';
import { changeContextQueuingEvents, OrgParams, security } from './params.ts';
import { commonProblems, conflictProblem, jsonBody, jsonResponse } from './responses.ts';
import { createRouter } from './router.ts';

const tags = ['Log streams'];
const base = '/organizations/{orgId}/audit-log-streams';
const StreamParams = OrgParams.extend({
  id: z
    .string()
    .min(1)
    .max(256)
    .openapi({ param: { name: 'id', in: 'path' }, example: 'lst_01JDX6Q8Z3V4K2M9R7T5W1Y0AB' }),
});

/** Stream secrets share the webhooks' at-rest key and URL rule (docs/STREAMS.md, "API"). */
const deps = (c: { env: WorkerEnv }) => ({
  secretKey: c.env.WEBHOOK_SECRET_KEY,
  allowInsecure: readWebhookConfig(c.env).allowInsecure,
});

/**
 * Log streams (docs/STREAMS.md): where every event of the organization is sent in batches. Owners
 * only, as webhooks: auditors read the record, not where it goes. Streams are control data
 * (c.var.db); the organization's highest sequence, for the lag, is in its shard (c.var.shardDb).
 */
export const logStreamRoutes = createRouter()
  .openapi(
    createRoute({
      method: 'get',
      path: base,
      tags,
      summary: "List the organization's log streams (never their secrets)",
      security,
      middleware: [orgAccess(OWNERS)] as const,
      request: { params: OrgParams },
      responses: { 200: jsonResponse(LogStreamListSchema, 'Log streams, oldest first'), ...commonProblems },
    }),
    async (c) => c.json({ streams: await listStreams(c.var.db, c.var.shardDb, c.req.valid('param').orgId) }, 200),
  )
  .openapi(
    createRoute({
      method: 'post',
      path: base,
      tags,
      summary: 'Create a log stream',
      security,
      middleware: [orgAccess(OWNERS)] as const,
      request: { params: OrgParams, body: jsonBody(CreateLogStreamSchema) },
      responses: { 201: jsonResponse(LogStreamAnswerSchema, 'Created'), ...commonProblems, ...conflictProblem },
    }),
    async (c) => {
      const { orgId } = c.req.valid('param');
      const stream = await createStream(c.var.db, c.var.shardDb, deps(c), orgId, c.req.valid('json'), changeContextQueuingEvents(c));
      return c.json({ stream }, 201);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: `${base}/{id}`,
      tags,
      summary: 'One log stream, with its state and lag',
      security,
      middleware: [orgAccess(OWNERS)] as const,
      request: { params: StreamParams },
      responses: { 200: jsonResponse(LogStreamAnswerSchema, 'The log stream'), ...commonProblems },
    }),
    async (c) => {
      const { orgId, id } = c.req.valid('param');
      return c.json({ stream: await getStream(c.var.db, c.var.shardDb, orgId, id) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'put',
      path: `${base}/{id}`,
      tags,
      summary: 'Replace a log stream (its secret stays unless sent)',
      security,
      middleware: [orgAccess(OWNERS)] as const,
      request: { params: StreamParams, body: jsonBody(UpdateLogStreamSchema) },
      responses: { 200: jsonResponse(LogStreamAnswerSchema, 'Updated'), ...commonProblems, ...conflictProblem },
    }),
    async (c) => {
      const { orgId, id } = c.req.valid('param');
      const stream = await updateStream(c.var.db, c.var.shardDb, deps(c), orgId, id, c.req.valid('json'), changeContextQueuingEvents(c));
      // A waiting retry was for the old configuration: the new one is tried now.
      if (stream.active) c.executionCtx.waitUntil(wakeStream(c.env.LOG_STREAM_RUNNER, id, true));
      return c.json({ stream }, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'delete',
      path: `${base}/{id}`,
      tags,
      summary: 'Delete a log stream',
      security,
      middleware: [orgAccess(OWNERS)] as const,
      request: { params: StreamParams },
      responses: { 204: { description: 'Deleted' }, ...commonProblems },
    }),
    async (c) => {
      const { orgId, id } = c.req.valid('param');
      await deleteStream(c.var.db, orgId, id, changeContextQueuingEvents(c));
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: `${base}/{id}/test`,
      tags,
      summary: "Send one test batch now and return the destination's answer",
      security,
      middleware: [orgAccess(OWNERS)] as const,
      request: { params: StreamParams },
      responses: { 200: jsonResponse(LogStreamTestSchema, "The destination's answer (a failure to connect included)"), ...commonProblems },
    }),
    async (c) => {
      const { orgId, id } = c.req.valid('param');
      const row = await streamRow(c.var.db, orgId, id);
      const result = await testStream(deps(c), c.var.shardDb, row, c.var.now);
      // The destination answers again: a failing stream stops waiting for its next retry.
      if (result.ok && row.state === 'error') c.executionCtx.waitUntil(wakeStream(c.env.LOG_STREAM_RUNNER, id, true));
      return c.json(result, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: `${base}/{id}/deliveries`,
      tags,
      summary: 'What the stream sent and the answers, newest first: test batches and event batches, one entry a request',
      security,
      middleware: [orgAccess(OWNERS)] as const,
      request: { params: StreamParams, query: LogStreamDeliveriesQuery },
      responses: { 200: jsonResponse(LogStreamDeliveriesSchema, 'Batches'), ...commonProblems },
    }),
    async (c) => {
      const { orgId, id } = c.req.valid('param');
      // The stream must be this organization's (404 otherwise) before its history is read from the shard.
      await streamRow(c.var.db, orgId, id);
      return c.json(await listDeliveries(c.var.shardDb, orgId, id, c.req.valid('query')), 200);
    },
  );
