import { importSigningKey, signBytes } from '../../archive/manifest.ts';
import type { Database } from '../../db/client.ts';
import type { CheckpointReason } from '../../db/schema.ts';
import { bytesToBase64, type Checkpoint, type CheckpointLink, checkpointSignedBytes } from '../../events/checkpoint.ts';
import { GENESIS_CHAIN_HASH } from '../../events/content-hash.ts';
import { lastStoredSequence } from '../event-store/index.ts';
import { ChainBrokenError, chainThrough } from './chain-walk.ts';
import { type CheckpointRow, firstCheckpointAfter, insertCheckpoint, latestCheckpoint, toCheckpoint } from './checkpoint-rows.ts';
import { scrubSignedChain } from './scrub.ts';

export interface IntegrityDeps {
  /** The organization's shard. */
  db: Database;
  /** ARCHIVE_SIGNING_KEY: checkpoints are signed with the key that signs manifests. */
  signingKey: string;
}

export interface CheckpointOptions {
  now: number;
  reason: CheckpointReason;
  /** Sign at most this far (default: the organization's last stored sequence). */
  through?: number;
  /** At most this many events read (the hourly job's bound); the rest waits for the next run. */
  maxEvents?: number;
  /** Already-signed events re-verified first at most (scrub.ts; default SCRUB_EVENTS_PER_RUN). */
  scrubEvents?: number;
}

export interface CheckpointResult {
  checkpoint: Checkpoint;
  /** False when the latest checkpoint already covered the sequence asked for (nothing new was signed). */
  created: boolean;
}

const link = (row: CheckpointRow | null): CheckpointLink =>
  row ? { sequence: row.sequence, chainHash: row.chainHash } : { sequence: 0, chainHash: GENESIS_CHAIN_HASH };

/**
 * Signs a checkpoint of the organization's chain at its last stored sequence (or `through`): the
 * chain continues from the latest checkpoint (genesis when none) over the events stored after it,
 * each content hash recomputed from the stored columns. First, the scrub re-verifies a bounded
 * stretch of the events earlier checkpoints signed (scrub.ts). Refuses (ChainBrokenError, naming
 * the first sequence affected) to sign over a missing or repeated sequence, or when signed events
 * no longer match their checkpoint. When nothing was stored after the latest checkpoint, returns
 * that one unchanged (and scrubs nothing).
 */
export async function createCheckpoint(deps: IntegrityDeps, organizationId: string, options: CheckpointOptions): Promise<CheckpointResult> {
  for (let attempt = 0; ; attempt += 1) {
    const [latest, last] = await Promise.all([latestCheckpoint(deps.db, organizationId), lastStoredSequence(deps.db, organizationId)]);
    const from = link(latest);
    let through = Math.min(options.through ?? last, last);
    if (options.maxEvents !== undefined) through = Math.min(through, from.sequence + options.maxEvents);
    if (latest && through <= latest.sequence) return { checkpoint: toCheckpoint(latest), created: false };
    if (latest && attempt === 0) await scrubSignedChain(deps.db, deps.signingKey, organizationId, latest, options.now, options.scrubEvents);
    const chainHash = await chainThrough(deps.db, organizationId, from, through);
    const row = await signedRow(deps.signingKey, organizationId, { sequence: through, chainHash }, latest, options);
    if (await insertCheckpoint(deps.db, row, latest?.sequence ?? -1)) return { checkpoint: toCheckpoint(row), created: true };
    // Another run stored a checkpoint meanwhile: continue from it (it is the new latest).
    if (attempt >= 2) throw new Error(`Checkpoints of ${organizationId} keep moving; try again.`);
  }
}

async function signedRow(
  signingKey: string,
  organizationId: string,
  at: CheckpointLink,
  previous: CheckpointRow | null,
  options: CheckpointOptions,
): Promise<CheckpointRow> {
  const time = new Date(options.now).toISOString();
  const signed = checkpointSignedBytes({
    organizationId,
    sequence: at.sequence,
    chainHash: at.chainHash,
    time,
    previousCheckpoint: previous ? { sequence: previous.sequence, chainHash: previous.chainHash } : null,
  });
  const signature = bytesToBase64(await signBytes(await importSigningKey(signingKey), signed));
  return {
    organizationId,
    sequence: at.sequence,
    chainHash: at.chainHash,
    time: Date.parse(time),
    previousSequence: previous?.sequence ?? null,
    previousChainHash: previous?.chainHash ?? null,
    signature,
    reason: options.reason,
  };
}

/**
 * chain(`sequence`) for a weekly manifest, always as the checkpoints signed it, never merely as the
 * stored rows hash now: past the latest checkpoint, a checkpoint is signed there (after the scrub;
 * so the chain is anchored where the archive ends, before retention can delete anything); at a
 * checkpoint, its signed chain hash; between two, the chain from the one below, walked on to the one
 * above and required to match it (ChainBrokenError otherwise). So an archive built from altered rows
 * carries the chain signed before the change, and fails verification (docs/INTEGRITY.md).
 */
export async function chainHashAt(deps: IntegrityDeps, organizationId: string, sequence: number, now: number): Promise<string> {
  const latest = await latestCheckpoint(deps.db, organizationId);
  if (!latest || latest.sequence < sequence) {
    const { checkpoint } = await createCheckpoint(deps, organizationId, { now, reason: 'archive', through: sequence });
    if (checkpoint.sequence === sequence) return checkpoint.chainHash;
  }
  const nearest = await latestCheckpoint(deps.db, organizationId, sequence);
  if (nearest?.sequence === sequence) return nearest.chainHash;
  const above = await firstCheckpointAfter(deps.db, organizationId, sequence);
  let atSequence: string | null = null;
  const from = link(nearest);
  const chain = await chainThrough(deps.db, organizationId, from, above?.sequence ?? sequence, (at, hash) => {
    if (at === sequence) atSequence = hash;
  });
  if (above && chain !== above.chainHash)
    throw new ChainBrokenError(
      from.sequence + 1,
      `the stored events no longer hash to the checkpoint signed at sequence ${above.sequence}: an event among sequences ${from.sequence + 1}–${above.sequence} was altered, reordered, inserted or removed after it was signed`,
      above.sequence,
    );
  return atSequence ?? chain;
}
