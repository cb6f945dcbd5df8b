import { createRoute } from '@hono/zod-openapi';
import {
  CreateNotificationConfigSchema,
  NotificationConfigAnswerSchema,
  NotificationConfigListSchema,
  UpdateNotificationConfigSchema,
} from '../contract/notification-configs.ts';
import { OWNERS, orgAccess } from '../middleware/access.ts';
import { createConfig, deleteConfig, getConfig, listConfigs, updateConfig, webhookDeps } from '../services/webhooks/index.ts';
import { AKUITY_NOTIFICATION_CONFIGS_PATH, changeContextQueuingEvents, NotificationConfigParams, OrgParams, security } from './params.ts';
import { commonProblems, conflictProblem, jsonBody, jsonResponse } from './responses.ts';
import { createRouter } from './router.ts';

const tags = ['Webhooks'];
// Akuity's `/orgs/{orgId}` path, not this API's `/organizations/{orgId}`: see AKUITY_NOTIFICATION_CONFIGS_PATH.
const base = AKUITY_NOTIFICATION_CONFIGS_PATH;

/**
 * Akuity's notification configs: webhooks that receive every audit event, signed (docs/WEBHOOKS.md).
 * Owners only. Configs are control data (c.var.db); their deliveries are in the organization's
 * shard (c.var.shardDb, set by orgAccess).
 */
export const notificationConfigRoutes = createRouter()
  .openapi(
    createRoute({
      method: 'get',
      path: base,
      tags,
      summary: "List the organization's webhooks (never their secrets)",
      security,
      middleware: [orgAccess(OWNERS)] as const,
      request: { params: OrgParams },
      responses: { 200: jsonResponse(NotificationConfigListSchema, 'Webhooks, oldest first'), ...commonProblems },
    }),
    async (c) => c.json({ notificationConfigs: await listConfigs(c.var.db, c.var.shardDb, c.req.valid('param').orgId) }, 200),
  )
  .openapi(
    createRoute({
      method: 'post',
      path: base,
      tags,
      summary: 'Create a webhook; it receives every audit event recorded from now on',
      security,
      middleware: [orgAccess(OWNERS)] as const,
      request: { params: OrgParams, body: jsonBody(CreateNotificationConfigSchema) },
      responses: { 201: jsonResponse(NotificationConfigAnswerSchema, 'Created'), ...commonProblems, ...conflictProblem },
    }),
    async (c) => {
      const { orgId } = c.req.valid('param');
      const { settings } = webhookDeps(c.env, c.var.db, c.var.shardDbFor);
      const notificationConfig = await createConfig(
        c.var.db,
        c.var.shardDb,
        settings,
        orgId,
        c.req.valid('json'),
        changeContextQueuingEvents(c),
      );
      return c.json({ notificationConfig }, 201);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: `${base}/{id}`,
      tags,
      summary: 'One webhook',
      security,
      middleware: [orgAccess(OWNERS)] as const,
      request: { params: NotificationConfigParams },
      responses: { 200: jsonResponse(NotificationConfigAnswerSchema, 'The webhook'), ...commonProblems },
    }),
    async (c) => {
      const { orgId, id } = c.req.valid('param');
      return c.json({ notificationConfig: await getConfig(c.var.db, c.var.shardDb, orgId, id) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'put',
      path: `${base}/{id}`,
      tags,
      summary: 'Replace a webhook (the secret and active flag stay unless sent)',
      security,
      middleware: [orgAccess(OWNERS)] as const,
      request: { params: NotificationConfigParams, body: jsonBody(UpdateNotificationConfigSchema) },
      responses: { 200: jsonResponse(NotificationConfigAnswerSchema, 'Updated'), ...commonProblems, ...conflictProblem },
    }),
    async (c) => {
      const { orgId, id } = c.req.valid('param');
      const { settings } = webhookDeps(c.env, c.var.db, c.var.shardDbFor);
      const notificationConfig = await updateConfig(
        c.var.db,
        c.var.shardDb,
        settings,
        orgId,
        id,
        c.req.valid('json'),
        changeContextQueuingEvents(c),
      );
      return c.json({ notificationConfig }, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'delete',
      path: `${base}/{id}`,
      tags,
      summary: 'Delete a webhook (deliveries still queued are not sent)',
      security,
      middleware: [orgAccess(OWNERS)] as const,
      request: { params: NotificationConfigParams },
      responses: { 204: { description: 'Deleted' }, ...commonProblems },
    }),
    async (c) => {
      const { orgId, id } = c.req.valid('param');
      await deleteConfig(c.var.db, c.var.shardDb, orgId, id, changeContextQueuingEvents(c));
      return c.body(null, 204);
    },
  );
