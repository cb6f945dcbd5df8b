/**
 * Moving an organization between shards (docs/OPERATIONS.md, "Moving an organization"):
 * `organization_moves` is control data (main database), one row per move; `organization_move_fences`
 * lives in each shard, beside the events it guards: while an organization has a fence row in a
 * shard, every batch that stores its events there fails (services/event-store/move-fence.ts).
 */
import { sql } from 'drizzle-orm';
import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { MOVE_STATES } from '../../contract/organization-move.ts';
import { millis } from './columns.ts';

/** What is left to remove after a move: the source's rows (done) or the target's copies (failed). */
export const MOVE_CLEANUPS = ['none', 'pending', 'done'] as const;

export const organizationMoves = sqliteTable(
  'organization_moves',
  {
    id: text('id').primaryKey(),
    organizationId: text('organization_id').notNull(),
    fromShard: text('from_shard').notNull(),
    toShard: text('to_shard').notNull(),
    state: text('state', { enum: MOVE_STATES }).notNull(),
    // Events copied so far, and the organization's events in the source (grows while ingest goes on).
    copied: integer('copied').notNull().default(0),
    total: integer('total').notNull().default(0),
    // The highest sequence copied; the copy resumes after it.
    copiedThrough: integer('copied_through').notNull().default(0),
    // The verification's position: both shards' chains agree up to this sequence, at this hash.
    verifiedThrough: integer('verified_through'),
    verifiedChain: text('verified_chain'),
    // Times verification found ingest had added more than the switch copies under the fence; each
    // doubles that allowance, so a move under any ingest rate ends (step.ts, SWITCH_TAIL).
    rounds: integer('rounds').notNull().default(0),
    error: text('error'),
    // When webhook deliveries were first copied: the switch copies again those changed since.
    deliveriesCopiedAt: millis('deliveries_copied_at'),
    cleanup: text('cleanup', { enum: MOVE_CLEANUPS }).notNull().default('none'),
    // Not before this time (the shard-routing cache's lifetime after the switch).
    cleanupAfter: millis('cleanup_after'),
    createdAt: millis('created_at').notNull(),
    updatedAt: millis('updated_at').notNull(),
    // When the fence was set and when organizations.shard changed: the write pause between them.
    fencedAt: millis('fenced_at'),
    switchedAt: millis('switched_at'),
  },
  (table) => [
    index('organization_moves_org').on(table.organizationId, table.createdAt),
    // One move at a time per organization, cleanup included: a second POST is a 409, even in a race.
    uniqueIndex('organization_moves_running')
      .on(table.organizationId)
      .where(sql`state IN ('copying', 'verifying', 'switching') OR cleanup = 'pending'`),
  ],
);

export const organizationMoveFences = sqliteTable('organization_move_fences', {
  organizationId: text('organization_id').primaryKey(),
  moveId: text('move_id').notNull(),
  fencedAt: millis('fenced_at').notNull(),
});

export type OrganizationMoveRow = typeof organizationMoves.$inferSelect;
