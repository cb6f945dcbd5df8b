import { createRoute } from '@hono/zod-openapi';
import { MoveAnswerSchema, StartMoveSchema } from '../contract/organization-move.ts';
import { shardSet } from '../db/shards.ts';
import { forbidden } from '../errors.ts';
import { signedIn } from '../middleware/access.ts';
import { requireLatestMove, startMove, toMove } from '../services/shard-moves/index.ts';
import { OrgParams, security } from './params.ts';
import { commonProblems, conflictProblem, jsonBody, jsonResponse } from './responses.ts';
import { createRouter } from './router.ts';

const path = '/admin/organizations/{orgId}/move';
const ADMIN_ONLY = 'Only the platform admin token can move organizations between shards.';

/** Moving an organization between shards (docs/OPERATIONS.md, "Moving an organization"): platform admin token only. */
export const organizationMoveRoutes = createRouter()
  .openapi(
    createRoute({
      method: 'post',
      path,
      tags: ['Organizations'],
      summary: "Move the organization's events to another shard, online (platform admin token only)",
      description:
        'Answers at once; the move runs in the background: copying, verifying, switching (writes get 503 with Retry-After for its seconds), done or failed. A failed move leaves the organization where it was.',
      security,
      middleware: [signedIn] as const,
      request: { params: OrgParams, body: jsonBody(StartMoveSchema) },
      responses: { 202: jsonResponse(MoveAnswerSchema, 'The move, started'), ...commonProblems, ...conflictProblem },
    }),
    async (c) => {
      if (c.var.caller.kind !== 'platform-admin') throw forbidden(ADMIN_ONLY);
      const { orgId } = c.req.valid('param');
      const move = await startMove(c.var.db, orgId, c.req.valid('json').shard, shardSet(c.env).all, c.var.now);
      const movers = c.env.ORGANIZATION_MOVER;
      await movers.get(movers.idFromName(orgId)).start(move.id);
      return c.json({ move: toMove(move) }, 202);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path,
      tags: ['Organizations'],
      summary: "The organization's latest move between shards (platform admin token only)",
      security,
      middleware: [signedIn] as const,
      request: { params: OrgParams },
      responses: { 200: jsonResponse(MoveAnswerSchema, 'The latest move'), ...commonProblems },
    }),
    async (c) => {
      if (c.var.caller.kind !== 'platform-admin') throw forbidden(ADMIN_ONLY);
      const { orgId } = c.req.valid('param');
      return c.json({ move: toMove(await requireLatestMove(c.var.db, orgId)) }, 200);
    },
  );
