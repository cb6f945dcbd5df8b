import { createRoute } from '@hono/zod-openapi';
import { createMiddleware } from 'hono/factory';
import { ProblemSchema } from '../contract/problem.ts';
import { RestoreRequestSchema, RestoreResultSchema } from '../contract/restore.ts';
import { forbidden } from '../errors.ts';
import { type SignedInEnv, signedIn } from '../middleware/access.ts';
import { restoreWeeks } from '../services/restore/index.ts';
import { OrgParams } from './params.ts';
import { commonProblems, jsonBody, jsonResponse } from './responses.ts';
import { createRouter } from './router.ts';

/** Before the body is read: only the platform admin token restores (an operator's act, not a tenant's). */
const platformAdminOnly = createMiddleware<SignedInEnv>(async (c, next) => {
  if (c.var.caller.kind !== 'platform-admin') throw forbidden('Only the platform admin token restores organizations from archives.');
  await next();
});

/**
 * Restore from archives (docs/API.md, "Restore"; docs/OPERATIONS.md, "Recovery"): every named
 * week's latest archive is verified first; then each event of those weeks missing from the
 * organization's shard is put back unchanged. Idempotent; refuses everything when one archive does not verify.
 */
export const organizationRestoreRoutes = createRouter().openapi(
  createRoute({
    method: 'post',
    path: '/admin/organizations/{orgId}/restore',
    tags: ['Admin'],
    summary:
      'Platform admin token only: verify the named weeks’ archives, then put back every event of those weeks missing from the shard (same id, sequence, provenance, content hash)',
    security: [{ bearerAuth: [] }],
    middleware: [signedIn, platformAdminOnly] as const,
    request: { params: OrgParams, body: jsonBody(RestoreRequestSchema) },
    responses: {
      200: jsonResponse(RestoreResultSchema, 'What each week held and what was put back'),
      410: {
        description: "The week's ZIP expired (archive retention)",
        content: { 'application/problem+json': { schema: ProblemSchema } },
      },
      ...commonProblems,
    },
  }),
  async (c) => {
    const { orgId } = c.req.valid('param');
    const db = await c.var.shardDbFor(orgId);
    const weeks = await restoreWeeks(
      { db, bucket: c.env.ARCHIVES, signingKey: c.env.ARCHIVE_SIGNING_KEY },
      orgId,
      c.req.valid('json').weeks,
    );
    return c.json({ restore: { weeks } }, 200);
  },
);
