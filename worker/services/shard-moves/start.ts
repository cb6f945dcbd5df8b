import type { Database } from '../../db/client.ts';
import { ApiError, notFound } from '../../errors.ts';
import { currentShard } from './fence.ts';
import { insertMove, latestMove } from './records.ts';

/**
 * Records a move of the organization to `to` (a name among `shards`, this deployment's event
 * databases), in state copying; the caller wakes its runner. Refuses, changing nothing: an
 * unknown organization (404), a shard that is not one of the deployment's or is the one the
 * organization is on (422), a move still running or cleaning up (409).
 */
export async function startMove(control: Database, organizationId: string, to: string, shards: readonly string[], now: number) {
  const from = await currentShard(control, organizationId);
  if (from === null) throw notFound(`Organization ${organizationId} does not exist.`);
  if (!shards.includes(to)) {
    throw new ApiError('validation-failed', "The shard is not one of this deployment's event databases.", [
      { pointer: 'shard', detail: `must be one of ${shards.join(', ')}` },
    ]);
  }
  if (from === to) {
    throw new ApiError('validation-failed', 'The organization is already on this shard.', [
      { pointer: 'shard', detail: `is the organization's current shard (${from})` },
    ]);
  }
  return insertMove(control, organizationId, from, to, now);
}

/** The organization's latest move (404 when it never moved). */
export async function requireLatestMove(control: Database, organizationId: string) {
  const move = await latestMove(control, organizationId);
  if (!move) throw notFound(`Organization ${organizationId} has never been moved (or does not exist).`);
  return move;
}
