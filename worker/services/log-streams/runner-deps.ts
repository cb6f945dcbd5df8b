/**
 * What a stream's runner needs, and how the rest of the Worker wakes runners (docs/STREAMS.md,
 * "Delivery"): after a request that may have recorded events, for each stream that could deliver
 * them; after a stream is created or changed; and by the daily run, as a safety net.
 */
import { and, eq, isNull, ne } from 'drizzle-orm';
import { readWebhookConfig } from '../../config.ts';
import { type Database, database } from '../../db/client.ts';
import { logStreams } from '../../db/schema.ts';
import type { WorkerEnv } from '../../env.ts';
import { shardDatabaseResolver } from '../event-store/index.ts';
import type { StreamRunDeps } from './deliver.ts';

/** Runners read the primaries: the checkpoint and the events must be current, never a replica's. */
export function streamRunDeps(env: WorkerEnv): StreamRunDeps {
  const control = database(env.DB);
  return {
    control,
    shardDbFor: shardDatabaseResolver(env, control),
    secretKey: env.WEBHOOK_SECRET_KEY,
    allowInsecure: readWebhookConfig(env).allowInsecure,
  };
}

type StreamRunners = WorkerEnv['LOG_STREAM_RUNNER'];

/**
 * Starts the stream's runner now unless it is already due (a run going on, or a retry waiting):
 * new events never cut a failing destination's backoff short, and a stream never runs twice at
 * once. `retryNow` (a changed configuration, a test batch that got through) does cut it short.
 */
export async function wakeStream(runners: StreamRunners, streamId: string, retryNow = false): Promise<void> {
  await runners.get(runners.idFromName(streamId)).wake(streamId, retryNow);
}

/** The streams that could deliver an organization's new events: live, switched on, not waiting for a new configuration. */
async function deliveringStreams(control: Database, organizationId: string | null): Promise<string[]> {
  const rows = await control
    .select({ id: logStreams.id })
    .from(logStreams)
    .where(
      and(
        organizationId === null ? undefined : eq(logStreams.organizationId, organizationId),
        isNull(logStreams.deletedAt),
        eq(logStreams.active, true),
        ne(logStreams.state, 'invalid'),
      ),
    );
  return rows.map((row) => row.id);
}

/** Wakes the organization's delivering streams (all organizations' with null: the daily safety net). Returns how many. */
export async function wakeStreams(control: Database, runners: StreamRunners, organizationId: string | null): Promise<number> {
  const ids = await deliveringStreams(control, organizationId);
  await Promise.all(ids.map((id) => wakeStream(runners, id)));
  return ids.length;
}
