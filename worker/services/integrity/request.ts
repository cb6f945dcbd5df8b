import { ApiError } from '../../errors.ts';
import type { Checkpoint } from '../../events/checkpoint.ts';
import { type ChangeContext, managementEvent } from '../../events/management-event.ts';
import { lastStoredSequence, recordChange } from '../event-store/index.ts';
import { ChainBrokenError } from './chain-walk.ts';
import { latestCheckpoint, toCheckpoint } from './checkpoint-rows.ts';
import { createCheckpoint, type IntegrityDeps } from './create-checkpoint.ts';

/** An organization gets at most one checkpoint on request per this many milliseconds. */
const CHECKPOINT_REQUEST_INTERVAL_MS = 60_000;

/**
 * POST …/audit-log-checkpoints. Nothing stored since the latest checkpoint: that one, unchanged
 * (`created: false`, nothing recorded). Otherwise at most one per organization a minute (429 with
 * Retry-After, counted from the latest checkpoint of any kind); the request is recorded as a
 * platform event first, so the checkpoint it gets covers its own record. A broken chain is a 409
 * naming the first sequence affected; nothing is signed.
 */
export async function requestCheckpoint(
  deps: IntegrityDeps,
  organizationId: string,
  context: Pick<ChangeContext, 'principal' | 'ip' | 'now'>,
): Promise<{ checkpoint: Checkpoint; created: boolean }> {
  const [latest, last] = await Promise.all([latestCheckpoint(deps.db, organizationId), lastStoredSequence(deps.db, organizationId)]);
  if (latest && latest.sequence >= last) return { checkpoint: toCheckpoint(latest), created: false };
  const wait = latest ? latest.time + CHECKPOINT_REQUEST_INTERVAL_MS - context.now : 0;
  if (wait > 0) {
    const seconds = Math.ceil(wait / 1000);
    throw new ApiError('rate-limited', `At most one checkpoint per organization a minute; retry after ${seconds} seconds.`, undefined, {
      'retry-after': String(seconds),
    });
  }
  const event = managementEvent(context, {
    action: 'create',
    objectType: 'audit_log_checkpoint',
    objectName: 'audit-log-checkpoint',
    message: 'Requested a signed checkpoint of the audit log',
  });
  await recordChange(deps.db, organizationId, event, context.now);
  try {
    return await createCheckpoint(deps, organizationId, { now: context.now, reason: 'request' });
  } catch (error) {
    if (!(error instanceof ChainBrokenError)) throw error;
    console.error(JSON.stringify({ job: 'checkpoint', organizationId, chainBroken: error.sequence, detail: error.message }));
    throw new ApiError(
      'chain-broken',
      `The stored audit log does not form the chain its checkpoints signed: ${error.message}. No checkpoint was signed over it; the first sequence affected is ${error.through === null ? error.sequence : `at or after ${error.sequence} (one of ${error.sequence}–${error.through})`}.`,
    );
  }
}
