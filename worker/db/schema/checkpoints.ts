/**
 * Signed checkpoints of each organization's hash chain (docs/INTEGRITY.md, "Checkpoints"), in the
 * organization's shard beside its events. A row is the signed statement exactly as served: the
 * signature covers the other columns' values, so the row is never updated.
 */
import { integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { millis } from './columns.ts';

export const CHECKPOINT_REASONS = ['hourly', 'request', 'archive', 'retention'] as const;
export type CheckpointReason = (typeof CHECKPOINT_REASONS)[number];

export const auditCheckpoints = sqliteTable(
  'audit_checkpoints',
  {
    organizationId: text('organization_id').notNull(),
    // The organization's sequence the chain hash is at (0: before its first event, the genesis chain).
    sequence: integer('sequence').notNull(),
    chainHash: text('chain_hash').notNull(),
    time: millis('time').notNull(),
    // The checkpoint it continues from (null for the organization's first).
    previousSequence: integer('previous_sequence'),
    previousChainHash: text('previous_chain_hash'),
    // Base64 of the raw 64-byte Ed25519 signature (ARCHIVE_SIGNING_KEY) over the canonical bytes.
    signature: text('signature').notNull(),
    // What made it: the hourly cron, a request (POST), an archive build or retention. Not signed, not served.
    reason: text('reason', { enum: CHECKPOINT_REASONS }).notNull(),
  },
  // Also the index of "the latest checkpoint" and of the list after a sequence.
  (table) => [primaryKey({ columns: [table.organizationId, table.sequence] })],
);

/**
 * Where the re-verification ("scrub") of an organization's already-signed events stands: the next
 * checkpoint resumes re-walking the chain after `sequence`, from `chainHash` (chain(sequence) as
 * that walk computed it), and starts a new cycle from genesis (or the floor) once it reaches the
 * latest checkpoint.
 * A work position, not a statement: a mismatch is only ever found against a signed checkpoint.
 */
export const auditChainScrubs = sqliteTable('audit_chain_scrubs', {
  organizationId: text('organization_id').primaryKey(),
  sequence: integer('sequence').notNull(),
  chainHash: text('chain_hash').notNull(),
  // Where a cycle starts (null: genesis): the checkpoint retention anchored deleted events at.
  floorSequence: integer('floor_sequence'),
  floorChainHash: text('floor_chain_hash'),
  time: millis('time').notNull(),
});
