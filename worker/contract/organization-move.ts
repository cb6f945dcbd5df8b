import { z } from '@hono/zod-openapi';

/** A move's states, in order; `failed` can follow any state before the switch (docs/OPERATIONS.md). */
export const MOVE_STATES = ['copying', 'verifying', 'switching', 'done', 'failed'] as const;

export const StartMoveSchema = z
  .strictObject({
    shard: z
      .string()
      .regex(/^[A-Z][A-Z0-9_]{0,63}$/, 'a D1 binding name, like SHARD_2')
      .openapi({ description: "The event database to move the organization's events to (a shard of this deployment)", example: 'SHARD_2' }),
  })
  .openapi('OrganizationMoveRequest');

const MoveSchema = z
  .object({
    id: z.string().openapi({ example: 'mov_01JDX6Q8Z3V4K2M9R7T5W1Y0AB' }),
    from: z.string().openapi({ description: 'The shard the organization was on when the move started', example: 'SHARD_1' }),
    to: z.string().openapi({ example: 'SHARD_2' }),
    state: z.enum(MOVE_STATES).openapi({
      description:
        'copying → verifying (→ copying again while ingest keeps adding) → switching (ingest pauses: 503 with Retry-After) → done; failed leaves the organization where it was',
    }),
    copied: z.number().int().openapi({ description: 'Events copied to the target so far' }),
    total: z.number().int().openapi({ description: "The organization's events in the source (grows while ingest goes on)" }),
    error: z.string().optional().openapi({ description: 'Why the move failed (state failed only)' }),
    fencedAt: z.string().datetime().optional().openapi({
      description:
        "When the switch fenced the source (writes of the organization's events answer 503 from then on); absent before the switch",
      example: '2026-12-07T00:18:30.120Z',
    }),
    switchedAt: z.string().datetime().optional().openapi({
      description:
        'When the organization pointed at the target (the write pause ends); switchedAt − fencedAt is the pause, as the server saw it',
      example: '2026-12-07T00:18:30.480Z',
    }),
  })
  .openapi('OrganizationMove');
export type OrganizationMove = z.infer<typeof MoveSchema>;

export const MoveAnswerSchema = z.object({ move: MoveSchema }).openapi('OrganizationMoveAnswer');
