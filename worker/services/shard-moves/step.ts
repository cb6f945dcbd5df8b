import { and, eq } from 'drizzle-orm';
import type { Database } from '../../db/client.ts';
import { auditCheckpoints, type OrganizationMoveRow } from '../../db/schema.ts';
import { GENESIS_CHAIN_HASH } from '../../events/content-hash.ts';
import { forgetOrganizationShards, REMEMBER_MS } from '../event-store/index.ts';
import { copyEventChunk, eventRange } from './copy-events.ts';
import { currentShard, liftFence, liftOwnFence, pointOrganization, setFence } from './fence.ts';
import { loadMove, saveMove } from './records.ts';
import { holdsOrganization, removeOrganizationRows } from './remove.ts';
import { copyDeliveries, switchTables } from './side-tables.ts';
import { MoveMismatchError, type Verified, verifyStretch } from './verify.ts';

/** The control database and each shard's, with primary reads and writes (a move runs outside requests). */
export interface MoveDeps {
  control: Database;
  shard: (name: string) => Database;
}

/**
 * Events per copy piece, and per verification page. Small, so that no piece holds a shard (or,
 * locally, the one workerd thread) long: a piece of 2,000 spent ~370 ms writing the target's rows
 * and search index in one transaction, and ingest into the moving organization nearly stopped
 * (bench/results-move.md). The copy writes in transactions of 100 rows (copy-events.ts).
 */
const COPY_CHUNK = 500;
const VERIFY_PAGE = 500;
/** The switch fences writes only when at most this many events are left to copy, doubled each round (docs/OPERATIONS.md). */
const SWITCH_TAIL = 1000;
/** Old rows stay until every isolate has forgotten the old shard (shard-routing.ts), plus a margin. */
export const CLEANUP_DELAY_MS = REMEMBER_MS + 5000;
/** Event deletions per cleanup step (of 2000 each). */
const CLEANUP_CHUNKS = 5;

/**
 * Told the state a piece started in, how long it took (the mover's log line sums them), and how
 * many times verification sent the move back to copying (the mover rests less each time).
 */
export type ObservePiece = (state: OrganizationMoveRow['state'], ms: number, rounds: number) => void;

interface Ends {
  deps: MoveDeps;
  source: Database;
  target: Database;
}

/**
 * Runs the next piece of a move (docs/OPERATIONS.md, "Moving an organization"): one copy chunk,
 * one verification page, the whole switch, or one cleanup step. Answers when to run again (null:
 * the move has nothing left to do). Every piece starts from what D1 says (the target's highest
 * sequence, the move row), so a piece that died half-way is simply run again.
 */
export async function runMoveStep(deps: MoveDeps, moveId: string, now: number, observe?: ObservePiece): Promise<number | null> {
  const started = Date.now();
  const move = await loadMove(deps.control, moveId);
  if (!move) return null;
  const ends: Ends = { deps, source: deps.shard(move.fromShard), target: deps.shard(move.toShard) };
  try {
    if (move.state === 'done' || move.state === 'failed') return await cleanupStep(ends, move, now);
    try {
      if (move.state === 'copying') return await copyStep(ends, move, now);
      if (move.state === 'verifying') return await verifyStep(ends, move, now);
      // Found in 'switching': the run that switched stopped half-way.
      return await switchStep(ends, move);
    } catch (error) {
      await failMove(ends, move, error, Date.now());
      return Date.now();
    }
  } finally {
    observe?.(move.state, Date.now() - started, move.rounds);
  }
}

async function copyStep(ends: Ends, move: OrganizationMoveRow, now: number): Promise<number | null> {
  const { deps, source, target } = ends;
  const organizationId = move.organizationId;
  if (move.copied === 0 && move.copiedThrough === 0) {
    const refused = await refusal(ends, move);
    if (refused) {
      // Nothing was copied: nothing to clean, and the target's own rows are not the move's to remove.
      await saveMove(deps.control, move, { state: 'failed', error: refused, cleanup: 'none' }, now);
      return null;
    }
  }
  const after = (await eventRange(target, organizationId)).max;
  const chunk = await copyEventChunk(source, target, organizationId, after, COPY_CHUNK);
  // The source is counted again only once the copy caught up or reached the last count (a count reads
  // every index entry of the organization, in the shard ingest is writing to).
  const copied = move.copied + chunk.rows;
  const total = chunk.rows === COPY_CHUNK && copied < move.total ? move.total : (await eventRange(source, organizationId)).count;
  const progress = { copied, total, copiedThrough: chunk.through };
  if (chunk.rows === COPY_CHUNK) {
    await saveMove(deps.control, move, progress, now);
    return now;
  }
  // Caught up: verify what is copied; webhook deliveries are copied now, once, and the changed ones at the switch.
  let deliveriesCopiedAt = move.deliveriesCopiedAt;
  if (deliveriesCopiedAt === null) {
    deliveriesCopiedAt = Date.now();
    await copyDeliveries(source, target, organizationId, null);
  }
  const start = move.verifiedThrough === null ? await chainStart(source, organizationId) : null;
  await saveMove(
    deps.control,
    move,
    {
      ...progress,
      state: 'verifying',
      deliveriesCopiedAt,
      ...(start ? { verifiedThrough: start.sequence, verifiedChain: start.chain } : {}),
    },
    now,
  );
  return now;
}

/** Why the move cannot start (the organization moved meanwhile, or the target holds rows of it), or null. */
async function refusal(ends: Ends, move: OrganizationMoveRow): Promise<string | null> {
  const shard = await currentShard(ends.deps.control, move.organizationId);
  if (shard !== move.fromShard) return `the organization is no longer on ${move.fromShard}`;
  const held = await holdsOrganization(ends.target, move.organizationId);
  return held === null ? null : `${move.toShard} already holds rows of this organization (${held}); nothing was copied`;
}

/** Where the verification starts: before the source's first event, at the chain hash known there (genesis, or retention's checkpoint). */
async function chainStart(source: Database, organizationId: string): Promise<Verified> {
  const { min } = await eventRange(source, organizationId);
  if (min <= 1) return { sequence: 0, chain: GENESIS_CHAIN_HASH };
  const [anchor] = await source
    .select({ chainHash: auditCheckpoints.chainHash })
    .from(auditCheckpoints)
    .where(and(eq(auditCheckpoints.organizationId, organizationId), eq(auditCheckpoints.sequence, min - 1)));
  return { sequence: min - 1, chain: anchor?.chainHash ?? null };
}

async function verifyStep(ends: Ends, move: OrganizationMoveRow, now: number): Promise<number | null> {
  const from: Verified = { sequence: move.verifiedThrough ?? 0, chain: move.verifiedChain };
  if (from.sequence < move.copiedThrough) {
    const through = Math.min(from.sequence + VERIFY_PAGE, move.copiedThrough);
    const verified = await verifyStretch(ends.source, ends.target, move.organizationId, from, through);
    await saveMove(ends.deps.control, move, { verifiedThrough: verified.sequence, verifiedChain: verified.chain }, now);
    return now;
  }
  // Ingest went on meanwhile: copy again until the rest is small enough to copy during the pause.
  // Each round doubles what the pause may copy, so ingest faster than the copy cannot keep a move going.
  const { max } = await eventRange(ends.source, move.organizationId);
  if (max - move.copiedThrough > SWITCH_TAIL * 2 ** Math.min(move.rounds, 10)) {
    await saveMove(ends.deps.control, move, { state: 'copying', rounds: move.rounds + 1 }, now);
    return now;
  }
  return switchStep(ends, await saveMove(ends.deps.control, move, { state: 'switching', fencedAt: Date.now() }, now));
}

/**
 * The switch, in one run: fence the source (writes there fail from now: 503 with Retry-After),
 * copy and verify the last events, compare the whole range, carry the tables kept beside the
 * events, lift the target's fence, point the organization at the target, forget the remembered
 * shards. Any failure before the organization points at the target leaves it where it was.
 */
async function switchStep(ends: Ends, move: OrganizationMoveRow): Promise<number | null> {
  const { deps, source, target } = ends;
  const organizationId = move.organizationId;
  if ((await currentShard(deps.control, organizationId)) === move.toShard) return finishSwitch(ends, move);
  await setFence(source, organizationId, move.id, Date.now());
  let copied = move.copied;
  let through = move.copiedThrough;
  for (;;) {
    const chunk = await copyEventChunk(source, target, organizationId, (await eventRange(target, organizationId)).max, COPY_CHUNK);
    copied += chunk.rows;
    through = Math.max(through, chunk.through);
    if (chunk.rows < COPY_CHUNK) break;
  }
  let verified: Verified = { sequence: move.verifiedThrough ?? 0, chain: move.verifiedChain };
  while (verified.sequence < through) {
    verified = await verifyStretch(source, target, organizationId, verified, Math.min(verified.sequence + VERIFY_PAGE, through));
  }
  const [expected, actual] = await Promise.all([eventRange(source, organizationId), eventRange(target, organizationId)]);
  if (expected.count !== actual.count || expected.min !== actual.min || expected.max !== actual.max) {
    throw new MoveMismatchError(
      `the target holds ${actual.count} events (sequences ${actual.min}–${actual.max}), the source ${expected.count} (${expected.min}–${expected.max})`,
    );
  }
  await copyDeliveries(source, target, organizationId, move.deliveriesCopiedAt);
  const [lift, ...tables] = [liftFence(target, organizationId), ...(await switchTables(source, target, organizationId))];
  await target.batch([lift, ...tables]);
  if (!(await pointOrganization(deps.control, organizationId, move.fromShard, move.toShard))) {
    throw new MoveMismatchError(`the organization is no longer on ${move.fromShard}`);
  }
  return finishSwitch(ends, { ...move, copied, total: expected.count, copiedThrough: through });
}

async function finishSwitch(ends: Ends, move: OrganizationMoveRow): Promise<number> {
  forgetOrganizationShards();
  const switchedAt = Date.now();
  const cleanupAfter = switchedAt + CLEANUP_DELAY_MS;
  await saveMove(
    ends.deps.control,
    move,
    {
      state: 'done',
      copied: move.copied,
      total: move.total,
      copiedThrough: move.copiedThrough,
      switchedAt,
      cleanup: 'pending',
      cleanupAfter,
    },
    switchedAt,
  );
  return cleanupAfter;
}

/** A move that cannot go on: the organization stays (or, if the switch did point it at the target, the move is done after all). */
async function failMove(ends: Ends, loaded: OrganizationMoveRow, error: unknown, now: number): Promise<void> {
  // The state the failed piece left (the switch records 'switching' before it fences).
  const move = (await loadMove(ends.deps.control, loaded.id)) ?? loaded;
  if (move.state === 'done' || move.state === 'failed') return;
  if ((await currentShard(ends.deps.control, move.organizationId)) === move.toShard) {
    await finishSwitch(ends, move);
    return;
  }
  await liftOwnFence(ends.source, move.organizationId, move.id);
  const message = error instanceof MoveMismatchError ? `verification failed: ${error.message}` : 'the move stopped on an internal error';
  if (!(error instanceof MoveMismatchError)) {
    console.error(
      JSON.stringify({
        job: 'organization-move',
        moveId: move.id,
        error: error instanceof Error ? (error.stack ?? error.message) : String(error),
      }),
    );
  }
  await saveMove(ends.deps.control, move, { state: 'failed', error: message, cleanup: 'pending', cleanupAfter: now }, now);
}

/** After a move: the source's rows (done, once no isolate can still route there) or the target's copies (failed). */
async function cleanupStep(ends: Ends, move: OrganizationMoveRow, now: number): Promise<number | null> {
  if (move.cleanup !== 'pending') return null;
  if (move.cleanupAfter !== null && now < move.cleanupAfter) return move.cleanupAfter;
  const leaving = move.state === 'done' ? move.fromShard : move.toShard;
  // Never from the shard the organization lives in (a later move may have taken it back there).
  const lives = (await currentShard(ends.deps.control, move.organizationId)) === leaving;
  const finished =
    lives || (await removeOrganizationRows(move.state === 'done' ? ends.source : ends.target, move.organizationId, CLEANUP_CHUNKS));
  if (!finished) return now;
  await saveMove(ends.deps.control, move, { cleanup: 'done' }, now);
  return null;
}
