import { and, asc, desc, eq, gt, lte, sql } from 'drizzle-orm';
import type { Database } from '../../db/client.ts';
import { auditCheckpoints } from '../../db/schema.ts';
import type { Checkpoint } from '../../events/checkpoint.ts';

export type CheckpointRow = typeof auditCheckpoints.$inferSelect;

/** The stored row as the API serves it (key order of the contract). */
export function toCheckpoint(row: CheckpointRow): Checkpoint {
  return {
    organizationId: row.organizationId,
    sequence: row.sequence,
    chainHash: row.chainHash,
    time: new Date(row.time).toISOString(),
    previousCheckpoint:
      row.previousSequence === null || row.previousChainHash === null
        ? null
        : { sequence: row.previousSequence, chainHash: row.previousChainHash },
    signature: row.signature,
  };
}

/** The organization's checkpoint with the highest sequence at or below `atMost` (default: the newest). */
export async function latestCheckpoint(db: Database, organizationId: string, atMost?: number): Promise<CheckpointRow | null> {
  const [row] = await db
    .select()
    .from(auditCheckpoints)
    .where(
      and(eq(auditCheckpoints.organizationId, organizationId), atMost === undefined ? undefined : lte(auditCheckpoints.sequence, atMost)),
    )
    .orderBy(desc(auditCheckpoints.sequence))
    .limit(1);
  return row ?? null;
}

/** The organization's checkpoints with sequences in (after, through], ascending, at most `limit` (the primary key's range). */
export async function checkpointsBetween(
  db: Database,
  organizationId: string,
  after: number,
  through = Number.MAX_SAFE_INTEGER,
  limit = -1,
): Promise<CheckpointRow[]> {
  return db
    .select()
    .from(auditCheckpoints)
    .where(
      and(
        eq(auditCheckpoints.organizationId, organizationId),
        gt(auditCheckpoints.sequence, after),
        lte(auditCheckpoints.sequence, through),
      ),
    )
    .orderBy(asc(auditCheckpoints.sequence))
    .limit(limit);
}

/** The organization's checkpoint with the lowest sequence above `sequence`, if any. */
export async function firstCheckpointAfter(db: Database, organizationId: string, sequence: number): Promise<CheckpointRow | null> {
  return (await checkpointsBetween(db, organizationId, sequence, undefined, 1))[0] ?? null;
}

/** Checkpoints after a sequence, ascending (the primary key's range), or only the newest of them. */
export async function listCheckpoints(
  db: Database,
  organizationId: string,
  afterSequence: number,
  page: { limit: number } | { latest: true },
): Promise<Checkpoint[]> {
  const rows = await db
    .select()
    .from(auditCheckpoints)
    .where(and(eq(auditCheckpoints.organizationId, organizationId), gt(auditCheckpoints.sequence, afterSequence)))
    .orderBy('latest' in page ? desc(auditCheckpoints.sequence) : asc(auditCheckpoints.sequence))
    .limit('latest' in page ? 1 : page.limit);
  return rows.map(toCheckpoint);
}

/**
 * Stores a checkpoint only if the organization's latest is still `expectedLatest` (-1: none), in
 * one statement: two runs racing from the same predecessor cannot both store one, so every stored
 * checkpoint continues from the one before it. Returns whether it was stored.
 */
export async function insertCheckpoint(db: Database, row: CheckpointRow, expectedLatest: number): Promise<boolean> {
  const result = await db.run(sql`
    INSERT INTO ${auditCheckpoints} (organization_id, sequence, chain_hash, time, previous_sequence, previous_chain_hash, signature, reason)
    SELECT ${row.organizationId}, ${row.sequence}, ${row.chainHash}, ${row.time}, ${row.previousSequence}, ${row.previousChainHash}, ${row.signature}, ${row.reason}
    WHERE coalesce((SELECT max(sequence) FROM ${auditCheckpoints} WHERE organization_id = ${row.organizationId}), -1) = ${expectedLatest}
    ON CONFLICT DO NOTHING`);
  return result.meta.changes > 0;
}
