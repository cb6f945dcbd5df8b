import { and, eq, gte, lt, max } from 'drizzle-orm';
import { auditEvents } from '../../db/schema.ts';
import { orgKey } from '../event-store/index.ts';
import { ChainBrokenError } from './chain-walk.ts';
import { firstCheckpointAfter, latestCheckpoint } from './checkpoint-rows.ts';
import { createCheckpoint, type IntegrityDeps } from './create-checkpoint.ts';
import { raiseScrubFloor } from './scrub.ts';

/**
 * Before retention deletes the events with timestamps in [startMs, endMs): makes sure a signed
 * checkpoint is at or after the highest sequence among them, so the chain continues after they
 * are gone (the next checkpoint starts from one that covers them; docs/INTEGRITY.md). Returns why
 * the events must stay, or null when they may go.
 */
export async function checkpointCoversRange(
  deps: IntegrityDeps,
  organizationId: string,
  range: { startMs: number; endMs: number },
  now: number,
): Promise<string | null> {
  const [highest] = await deps.db
    .select({ sequence: max(auditEvents.sequence) })
    .from(auditEvents)
    .where(
      and(
        eq(auditEvents.orgKey, orgKey(organizationId)),
        gte(auditEvents.timestamp, range.startMs),
        lt(auditEvents.timestamp, range.endMs),
      ),
    );
  const sequence = highest?.sequence ?? null;
  if (sequence === null) return null;
  const latest = await latestCheckpoint(deps.db, organizationId);
  try {
    const covering =
      latest && latest.sequence >= sequence
        ? latest
        : (await createCheckpoint(deps, organizationId, { now, reason: 'retention' })).checkpoint;
    if (covering.sequence < sequence) return `no checkpoint covers sequence ${sequence} yet`;
    // The scrub cannot re-walk deleted rows: its cycles start from the first checkpoint past them.
    await raiseScrubFloor(deps.db, organizationId, (await firstCheckpointAfter(deps.db, organizationId, sequence - 1)) ?? covering, now);
    return null;
  } catch (error) {
    if (error instanceof ChainBrokenError) return `the chain cannot be checkpointed: ${error.message}`;
    throw error;
  }
}
