import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import { CreateSavedViewSchema, SavedViewListSchema, SavedViewSchema, UpdateSavedViewSchema } from '../contract/saved-views.ts';
import { forbidden } from '../errors.ts';
import { type OrgAccessEnv, orgAccess, READERS } from '../middleware/access.ts';
import { createSavedView, deleteSavedView, listSavedViews, updateSavedView, type ViewOwner } from '../services/saved-views/index.ts';
import { OrgParams, security } from './params.ts';
import { commonProblems, conflictProblem, jsonBody, jsonResponse } from './responses.ts';
import { createRouter } from './router.ts';

const tags = ['Saved views'];
const base = '/organizations/{orgId}/saved-views';

const SavedViewParams = OrgParams.extend({
  viewId: z
    .string()
    .min(1)
    .max(256)
    .openapi({ param: { name: 'viewId', in: 'path' }, example: 'sv_01JDX6Q8Z3V4K2M9R7T5W1Y0AB' }),
});

/**
 * Views belong to a person: the caller's user, whether they signed in themselves or call with a
 * personal key. A service key (or the platform admin token) is no person and has no views.
 */
function viewOwner(c: Context<OrgAccessEnv>): ViewOwner {
  const user = c.var.caller.user;
  if (!user) {
    throw forbidden(
      'Saved views belong to a person; this credential (a service key or the platform admin token) acts for no one. Use a personal key or sign in.',
    );
  }
  return { organizationId: c.var.grant.organizationId, userId: user.id };
}

/** Refuses a credential that is no person before its body is read (a 403, never a 422 about a body it may not send). */
const personOnly = createMiddleware<OrgAccessEnv>(async (c, next) => {
  viewOwner(c);
  await next();
});

/**
 * A person's saved views of the Audit Logs tab (docs/API.md, "Saved views"). Every reader of the
 * organization keeps their own; they are bookmarks, so saving one records no audit event.
 */
export const savedViewRoutes = createRouter()
  .openapi(
    createRoute({
      method: 'get',
      path: base,
      tags,
      summary: "The caller's saved views in the organization, by name",
      security,
      middleware: [orgAccess(READERS), personOnly] as const,
      request: { params: OrgParams },
      responses: { 200: jsonResponse(SavedViewListSchema, 'Saved views'), ...commonProblems },
    }),
    async (c) => c.json({ savedViews: await listSavedViews(c.var.db, viewOwner(c)) }, 200),
  )
  .openapi(
    createRoute({
      method: 'post',
      path: base,
      tags,
      summary: 'Save a filter set of the Audit Logs tab under a name (at most 100 per person per organization)',
      security,
      middleware: [orgAccess(READERS), personOnly] as const,
      request: { params: OrgParams, body: jsonBody(CreateSavedViewSchema) },
      responses: { 201: jsonResponse(SavedViewSchema, 'Saved'), ...commonProblems, ...conflictProblem },
    }),
    async (c) => c.json(await createSavedView(c.var.db, viewOwner(c), c.req.valid('json'), c.var.now), 201),
  )
  .openapi(
    createRoute({
      method: 'patch',
      path: `${base}/{viewId}`,
      tags,
      summary: 'Rename a saved view or change its filters or scope (another person’s view is a 404)',
      security,
      middleware: [orgAccess(READERS), personOnly] as const,
      request: { params: SavedViewParams, body: jsonBody(UpdateSavedViewSchema) },
      responses: { 200: jsonResponse(SavedViewSchema, 'Updated'), ...commonProblems, ...conflictProblem },
    }),
    async (c) => {
      const { viewId } = c.req.valid('param');
      return c.json(await updateSavedView(c.var.db, viewOwner(c), viewId, c.req.valid('json'), c.var.now), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'delete',
      path: `${base}/{viewId}`,
      tags,
      summary: 'Delete a saved view (another person’s view is a 404)',
      security,
      middleware: [orgAccess(READERS), personOnly] as const,
      request: { params: SavedViewParams },
      responses: { 204: { description: 'Deleted' }, ...commonProblems },
    }),
    async (c) => {
      await deleteSavedView(c.var.db, viewOwner(c), c.req.valid('param').viewId);
      return c.body(null, 204);
    },
  );
