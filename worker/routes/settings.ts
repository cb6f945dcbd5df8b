import { createRoute } from '@hono/zod-openapi';
import { AuditLogSettingsPatch, AuditLogSettingsSchema } from '../contract/settings.ts';
import { AUDIT_READERS, OWNERS, orgAccess } from '../middleware/access.ts';
import { getSettings, updateSettings } from '../services/organizations/index.ts';
import { changeContextQueuingEvents, OrgParams, security } from './params.ts';
import { commonProblems, jsonBody, jsonResponse } from './responses.ts';
import { createRouter } from './router.ts';

export const settingsRoutes = createRouter()
  .openapi(
    createRoute({
      method: 'get',
      path: '/organizations/{orgId}/audit-log-settings',
      tags: ['Settings'],
      summary: "The organization's retention settings (owners and auditors)",
      security,
      middleware: [orgAccess(AUDIT_READERS)] as const,
      request: { params: OrgParams },
      responses: { 200: jsonResponse(AuditLogSettingsSchema, 'The settings in force'), ...commonProblems },
    }),
    async (c) => c.json(await getSettings(c.var.db, c.req.valid('param').orgId, c.var.config), 200),
  )
  .openapi(
    createRoute({
      method: 'patch',
      path: '/organizations/{orgId}/audit-log-settings',
      tags: ['Settings'],
      summary: 'Change the retention settings (owners); recorded as an audit event',
      security,
      middleware: [orgAccess(OWNERS)] as const,
      request: { params: OrgParams, body: jsonBody(AuditLogSettingsPatch) },
      responses: { 200: jsonResponse(AuditLogSettingsSchema, 'The settings now in force'), ...commonProblems },
    }),
    async (c) => {
      const settings = await updateSettings(
        c.var.db,
        c.req.valid('param').orgId,
        c.req.valid('json'),
        changeContextQueuingEvents(c),
        c.var.config,
      );
      return c.json(settings, 200);
    },
  );
