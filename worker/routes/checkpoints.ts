import { createRoute } from '@hono/zod-openapi';
import { CheckpointCreatedSchema, CheckpointListSchema, CheckpointQuery } from '../contract/checkpoints.ts';
import { AUDIT_READERS, orgAccess } from '../middleware/access.ts';
import { canonicalQuery } from '../middleware/canonical-query.ts';
import { listCheckpoints, requestCheckpoint } from '../services/integrity/index.ts';
import { clientIp, OrgParams, security } from './params.ts';
import { commonProblems, conflictProblem, jsonResponse } from './responses.ts';
import { createRouter } from './router.ts';

const path = '/organizations/{orgId}/audit-log-checkpoints';

/** Signed checkpoints of the organization's hash chain (docs/INTEGRITY.md, "Checkpoints"). */
export const checkpointRoutes = createRouter()
  .openapi(
    createRoute({
      method: 'get',
      path,
      tags: ['Audit logs'],
      summary: 'Signed checkpoints of the hash chain, ascending by sequence',
      description:
        'Each proves chain(sequence) at its time, signed with the archive key. Saved as is, this answer is what the standalone verifier (/downloads/audit-log-verify.mjs --checkpoints) reads.',
      security,
      middleware: [orgAccess(AUDIT_READERS), canonicalQuery(CheckpointQuery)] as const,
      request: { params: OrgParams, query: CheckpointQuery },
      responses: {
        200: jsonResponse(CheckpointListSchema, 'Checkpoints after afterSequence, ascending (latest=true: only the newest)'),
        ...commonProblems,
      },
    }),
    async (c) => {
      const { orgId } = c.req.valid('param');
      const { afterSequence, limit, latest } = c.var.query;
      return c.json(
        { checkpoints: await listCheckpoints(c.var.shardDb, orgId, afterSequence, latest ? { latest: true } : { limit }) },
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path,
      tags: ['Audit logs'],
      summary: 'Sign a checkpoint of the hash chain at the last stored sequence now',
      description:
        'Recorded as an event (action create, object type audit_log_checkpoint) that the new checkpoint covers. When nothing was stored since the latest checkpoint, answers 200 with that one. At most one new checkpoint per organization a minute (429 with Retry-After). 409 chain-broken when the stored sequence has a gap or a repeated number after the latest checkpoint (named); nothing is signed then.',
      security,
      middleware: [orgAccess(AUDIT_READERS)] as const,
      request: { params: OrgParams },
      responses: {
        201: jsonResponse(CheckpointCreatedSchema, 'A new checkpoint'),
        200: jsonResponse(CheckpointCreatedSchema, 'Nothing new since the latest checkpoint: that one'),
        ...commonProblems,
        ...conflictProblem,
      },
    }),
    async (c) => {
      const { orgId } = c.req.valid('param');
      const { checkpoint, created } = await requestCheckpoint({ db: c.var.shardDb, signingKey: c.env.ARCHIVE_SIGNING_KEY }, orgId, {
        principal: c.var.caller,
        ip: clientIp(c),
        now: c.var.now,
      });
      return created ? c.json({ checkpoint }, 201) : c.json({ checkpoint }, 200);
    },
  );
