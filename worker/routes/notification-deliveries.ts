import { createRoute } from '@hono/zod-openapi';
import { DeliveryHistoryAnswerSchema, DeliveryHistoryListSchema, DeliveryHistoryQuery } from '../contract/notification-configs.ts';
import { OWNERS, orgAccess } from '../middleware/access.ts';
import { getHistory, listHistory, ping, redeliver, webhookDeps } from '../services/webhooks/index.ts';
import { AKUITY_NOTIFICATION_CONFIGS_PATH, clientIp, DeliveryParams, NotificationConfigParams, security } from './params.ts';
import { commonProblems, conflictProblem, jsonResponse } from './responses.ts';
import { createRouter } from './router.ts';

const tags = ['Webhooks'];
// Akuity's `/orgs/{orgId}` path, not this API's `/organizations/{orgId}`: see AKUITY_NOTIFICATION_CONFIGS_PATH.
const base = AKUITY_NOTIFICATION_CONFIGS_PATH;

/** A webhook's deliveries (in the organization's shard, c.var.shardDb): ping, history (every attempt), redeliver. Owners only. */
export const notificationDeliveryRoutes = createRouter()
  .openapi(
    createRoute({
      method: 'post',
      path: `${base}/{id}/ping`,
      tags,
      summary: 'Deliver a WEBHOOK_EVENT_TYPE_PING now and answer with its delivery (one attempt, no retries)',
      security,
      middleware: [orgAccess(OWNERS)] as const,
      request: { params: NotificationConfigParams },
      responses: { 200: jsonResponse(DeliveryHistoryAnswerSchema, "The ping's delivery, with the receiver's answer"), ...commonProblems },
    }),
    async (c) => {
      const { orgId, id } = c.req.valid('param');
      return c.json({ history: await ping(webhookDeps(c.env, c.var.db, c.var.shardDbFor), c.var.shardDb, orgId, id, c.var.now) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: `${base}/{id}/delivery-history`,
      tags,
      summary: "A webhook's deliveries, newest first, each with its latest attempt",
      security,
      middleware: [orgAccess(OWNERS)] as const,
      request: { params: NotificationConfigParams, query: DeliveryHistoryQuery },
      responses: { 200: jsonResponse(DeliveryHistoryListSchema, 'Deliveries'), ...commonProblems },
    }),
    async (c) => {
      const { orgId, id } = c.req.valid('param');
      return c.json(await listHistory(c.var.db, c.var.shardDb, orgId, id, c.req.valid('query')), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: `${base}/{configId}/delivery-history/{id}`,
      tags,
      summary: 'One delivery with every attempt',
      security,
      middleware: [orgAccess(OWNERS)] as const,
      request: { params: DeliveryParams },
      responses: { 200: jsonResponse(DeliveryHistoryAnswerSchema, 'The delivery'), ...commonProblems },
    }),
    async (c) => {
      const { orgId, configId, id } = c.req.valid('param');
      return c.json({ history: await getHistory(c.var.db, c.var.shardDb, orgId, configId, id) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: `${base}/{configId}/notifications/{id}/redeliver`,
      tags,
      summary: 'Send a delivery again as a new delivery (redelivered: true), with retries',
      security,
      middleware: [orgAccess(OWNERS)] as const,
      request: { params: DeliveryParams },
      responses: { 202: jsonResponse(DeliveryHistoryAnswerSchema, 'The new delivery, pending'), ...commonProblems, ...conflictProblem },
    }),
    async (c) => {
      const { orgId, configId, id } = c.req.valid('param');
      // The new delivery and its event go to the organization's shard together: no control data
      // changes, so nothing waits in the outbox (changeContextQueuingEvents would mark the request as queuing).
      const context = { principal: c.var.caller, role: c.var.grant.role, ip: clientIp(c), now: c.var.now };
      const history = await redeliver(webhookDeps(c.env, c.var.db, c.var.shardDbFor), c.var.shardDb, orgId, configId, id, context);
      return c.json({ history }, 202);
    },
  );
