/**
 * The scrub: before a checkpoint is signed, events that earlier checkpoints already signed are
 * re-walked and their chain compared with those checkpoints again, so an event altered, deleted,
 * reordered or inserted in the database after it was signed is found by the service itself, not
 * only by an auditor holding a copy (docs/INTEGRITY.md, "The scrub").
 *
 * Bounded: at most SCRUB_EVENTS_PER_RUN events a run, resuming where the previous run stopped
 * (audit_chain_scrubs); a cycle starts at genesis (or at the retention floor) and ends at the
 * latest checkpoint, the next run starting a new one. An organization of up to that many signed
 * events is re-verified in full by every checkpoint; a larger one in ⌈M / budget⌉ checkpoints.
 */
import { eq, sql } from 'drizzle-orm';
import { verificationKey } from '../../archive/manifest.ts';
import type { Database } from '../../db/client.ts';
import { auditChainScrubs } from '../../db/schema.ts';
import { base64ToBytes, type CheckpointLink, checkpointSignedBytes } from '../../events/checkpoint.ts';
import { GENESIS_CHAIN_HASH } from '../../events/content-hash.ts';
import { ChainBrokenError, chainThrough } from './chain-walk.ts';
import { type CheckpointRow, checkpointsBetween, latestCheckpoint, toCheckpoint } from './checkpoint-rows.ts';

/** Already-signed events re-verified per checkpoint at most: ~200 D1 pages of 1,000 rows. */
const SCRUB_EVENTS_PER_RUN = 200_000;

type ScrubRow = typeof auditChainScrubs.$inferSelect;

const GENESIS: CheckpointLink = { sequence: 0, chainHash: GENESIS_CHAIN_HASH };

/** Where a cycle starts: genesis, or the checkpoint retention anchored its deletions at. */
const cycleStart = (row: ScrubRow | undefined): CheckpointLink =>
  row?.floorSequence != null && row.floorChainHash != null ? { sequence: row.floorSequence, chainHash: row.floorChainHash } : GENESIS;

async function signatureValid(key: CryptoKey, row: CheckpointRow): Promise<boolean> {
  const signature = base64ToBytes(row.signature);
  if (signature === null || signature.length !== 64) return false;
  return crypto.subtle.verify({ name: 'Ed25519' }, key, signature, checkpointSignedBytes(toCheckpoint(row)));
}

function forged(row: CheckpointRow): ChainBrokenError {
  return new ChainBrokenError(
    row.sequence,
    `the stored checkpoint at sequence ${row.sequence} does not verify under the archive key: it was altered or forged`,
  );
}

/**
 * Re-verifies the next stretch of already-signed events (at most `budget`) against the stored
 * checkpoints, whose signatures are verified too, and the latest checkpoint's signature (the new
 * one continues from it). Throws ChainBrokenError naming the first sequence affected: exactly for a
 * missing or repeated sequence, else the first sequence after the checkpoint before the one the
 * chain no longer matches (the narrowest range the chain gives). Moves the cursor only on success.
 */
export async function scrubSignedChain(
  db: Database,
  signingKey: string,
  organizationId: string,
  latest: CheckpointRow,
  now: number,
  budget = SCRUB_EVENTS_PER_RUN,
): Promise<void> {
  const key = await verificationKey(signingKey);
  if (!(await signatureValid(key, latest))) throw forged(latest);
  const [cursor] = await db.select().from(auditChainScrubs).where(eq(auditChainScrubs.organizationId, organizationId));
  const start = cycleStart(cursor);
  const from = cursor && cursor.sequence > start.sequence && cursor.sequence < latest.sequence ? cursor : start;
  const through = Math.min(latest.sequence, from.sequence + budget);
  if (through <= from.sequence) return;
  const signed = await checkpointsBetween(db, organizationId, from.sequence, through);
  for (const row of signed) if (!(await signatureValid(key, row))) throw forged(row);
  const bySequence = new Map(signed.map((row) => [row.sequence, row]));
  let matched = (await latestCheckpoint(db, organizationId, from.sequence))?.sequence ?? 0;
  const chainHash = await chainThrough(db, organizationId, from, through, (sequence, chain) => {
    const checkpoint = bySequence.get(sequence);
    if (!checkpoint) return;
    if (checkpoint.chainHash !== chain)
      throw new ChainBrokenError(
        matched + 1,
        `the stored events no longer hash to the checkpoint signed at sequence ${sequence} on ${new Date(checkpoint.time).toISOString()}: an event among sequences ${matched + 1}–${sequence} was altered, reordered, inserted or removed after it was signed`,
        sequence,
      );
    matched = sequence;
  });
  // The end of a cycle: the next run starts a new one.
  const next = through === latest.sequence ? start : { sequence: through, chainHash };
  await db
    .insert(auditChainScrubs)
    .values({ organizationId, sequence: next.sequence, chainHash: next.chainHash, time: now })
    .onConflictDoUpdate({
      target: auditChainScrubs.organizationId,
      set: { sequence: next.sequence, chainHash: next.chainHash, time: now },
    });
}

/**
 * Retention is about to delete events at or below `anchor` (a signed checkpoint): the scrub's
 * cycles start there from now on, since the deleted rows can no longer be re-walked.
 */
export async function raiseScrubFloor(db: Database, organizationId: string, anchor: CheckpointLink, now: number): Promise<void> {
  await db
    .insert(auditChainScrubs)
    .values({
      organizationId,
      sequence: anchor.sequence,
      chainHash: anchor.chainHash,
      floorSequence: anchor.sequence,
      floorChainHash: anchor.chainHash,
      time: now,
    })
    .onConflictDoUpdate({
      target: auditChainScrubs.organizationId,
      set: {
        floorSequence: sql`max(coalesce(${auditChainScrubs.floorSequence}, 0), ${anchor.sequence})`,
        floorChainHash: sql`CASE WHEN coalesce(${auditChainScrubs.floorSequence}, 0) <= ${anchor.sequence} THEN ${anchor.chainHash} ELSE ${auditChainScrubs.floorChainHash} END`,
        time: now,
      },
    });
}
