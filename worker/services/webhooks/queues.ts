import { readWebhookConfig } from '../../config.ts';
import type { Database } from '../../db/client.ts';
import type { WebhookDeliveryJob, WebhookDispatchJob, WorkerEnv } from '../../env.ts';
import { sendInBatches } from '../../queue-batches.ts';
import { delaySeconds, laneFor, type ReceiverHealth } from '../../webhooks/retry-policy.ts';
import { shardDatabaseResolver } from '../event-store/index.ts';
import type { WebhookSettings } from './configs.ts';

/**
 * Everything delivering webhooks needs: the main database (configs, instances), the way to each
 * organization's shard (its events and deliveries), the at-rest key and URL rule, the queues, the
 * backoff base.
 */
export interface WebhookDeps {
  control: Database;
  shardDbFor: (organizationId: string) => Promise<Database>;
  settings: WebhookSettings;
  dispatchQueue: Queue<WebhookDispatchJob>;
  /** First attempts for receivers that are healthy. */
  deliveryQueue: Queue<WebhookDeliveryJob>;
  /** Retries, and every delivery of a receiver that is failing: a hanging receiver waits here, away from the others. */
  retryQueue: Queue<WebhookDeliveryJob>;
  retryBaseMs: number;
}

/** A request passes its session's databases; queue consumers and cron get the primaries (shardDatabaseResolver). */
export function webhookDeps(
  env: WorkerEnv,
  control: Database,
  shardDbFor: (organizationId: string) => Promise<Database> = shardDatabaseResolver(env, control),
): WebhookDeps {
  const config = readWebhookConfig(env);
  return {
    control,
    shardDbFor,
    settings: { secretKey: env.WEBHOOK_SECRET_KEY, allowInsecure: config.allowInsecure },
    dispatchQueue: env.WEBHOOK_DISPATCH_QUEUE,
    deliveryQueue: env.WEBHOOK_DELIVERY_QUEUE,
    retryQueue: env.WEBHOOK_RETRY_QUEUE,
    retryBaseMs: config.retryBaseMs,
  };
}

/** Sends one message per delivery, each to the lane its config's health calls for (retry-policy.ts#laneFor). */
export async function enqueueDeliveries(deps: WebhookDeps, config: ReceiverHealth, jobs: WebhookDeliveryJob[], now: number): Promise<void> {
  if (jobs.length === 0) return;
  const { lane, delayMs } = laneFor(config, now);
  const queue = lane === 'delivery' ? deps.deliveryQueue : deps.retryQueue;
  await sendInBatches(
    queue,
    jobs.map((body) => ({ body, contentType: 'json', delaySeconds: delaySeconds(delayMs) })),
  );
}

export async function sendDispatch(queue: Queue<WebhookDispatchJob>, organizationIds: string[]): Promise<void> {
  await sendInBatches(
    queue,
    organizationIds.map((organizationId) => ({ body: { organizationId }, contentType: 'json' })),
  );
}
