import { createRoute } from '@hono/zod-openapi';
import { ArgocdAuditRecordsBody, AuditRecordsSchema, KargoAuditRecordsBody } from '../contract/extension.ts';
import { AUDIT_READERS, signedIn } from '../middleware/access.ts';
import { auditRecordsForInstance } from '../services/query/index.ts';
import { security } from './params.ts';
import { commonProblems, jsonBody, jsonResponse } from './responses.ts';
import { createRouter } from './router.ts';

/**
 * Akuity's UI-extension endpoints (`/ext-api/v1/…/extensions/audit-records`): the audit records an
 * Argo CD or Kargo UI extension shows for one instance (and Kargo project), same auth as the API.
 */
export const extensionRoutes = createRouter()
  .openapi(
    createRoute({
      method: 'post',
      path: '/argocd/extensions/audit-records',
      tags: ['UI extensions'],
      summary: "One Argo CD instance's audit records, with Akuity's filters (audit readers of its organization)",
      security,
      middleware: [signedIn] as const,
      request: { body: jsonBody(ArgocdAuditRecordsBody) },
      responses: { 200: jsonResponse(AuditRecordsSchema, 'Newest first, with the total number of matches'), ...commonProblems },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const records = await auditRecordsForInstance(c.var.db, c.var.shardDbFor, {
        caller: c.var.caller,
        readers: AUDIT_READERS,
        instanceId: body.instanceId,
        instanceType: 'argocd',
        filters: body.filters,
        projectName: null,
      });
      return c.json(records, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/kargo/extensions/audit-records',
      tags: ['UI extensions'],
      summary: "One Kargo project's audit records on one Kargo instance, with Akuity's filters (audit readers of its organization)",
      security,
      middleware: [signedIn] as const,
      request: { body: jsonBody(KargoAuditRecordsBody) },
      responses: { 200: jsonResponse(AuditRecordsSchema, 'Newest first, with the total number of matches'), ...commonProblems },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const records = await auditRecordsForInstance(c.var.db, c.var.shardDbFor, {
        caller: c.var.caller,
        readers: AUDIT_READERS,
        instanceId: body.instanceId,
        instanceType: 'kargo',
        filters: body.filters,
        projectName: body.projectName,
      });
      return c.json(records, 200);
    },
  );
