import { readWebhookConfig } from '../../config.ts';
import type { Database } from '../../db/client.ts';
import type { NotificationConfigRow } from '../../db/schema.ts';
import type { WebhookDeliveryJob, WebhookDispatchJob, WorkerEnv } from '../../env.ts';
import { delaySeconds } from '../../webhooks/retry-policy.ts';
import { shardDatabaseResolver } from '../event-store/index.ts';
import type { WebhookSettings } from './configs.ts';

/**
 * Everything delivering webhooks needs: the main database (configs, instances), the way to each
 * organization's shard (its events and deliveries), the at-rest key and URL rule, the queues, the
 * backoff base.
 */
export interface WebhookDeps {
  control: Database;
  eventsDatabase: (organizationId: string) => Promise<Database>;
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
  eventsDatabase: (organizationId: string) => Promise<Database> = shardDatabaseResolver(env, control),
): WebhookDeps {
  const config = readWebhookConfig(env);
  return {
    control,
    eventsDatabase,
    settings: { secretKey: env.WEBHOOK_SECRET_KEY, allowInsecure: config.allowInsecure },
    dispatchQueue: env.WEBHOOK_DISPATCH_QUEUE,
    deliveryQueue: env.WEBHOOK_DELIVERY_QUEUE,
    retryQueue: env.WEBHOOK_RETRY_QUEUE,
    retryBaseMs: config.retryBaseMs,
  };
}

/** Cloudflare Queues take at most 100 messages per sendBatch. */
const SEND_BATCH = 100;

/** Spreads the messages that wake up together when a pause ends (at most a minute). */
export const jitterMs = (delayMs: number, random: () => number = Math.random) => Math.round(random() * Math.min(60_000, delayMs * 0.1));

type Health = Pick<NotificationConfigRow, 'failingSince' | 'pausedUntil'>;

/** A healthy receiver's deliveries take the fast lane; a failing one's wait in the retry lane until its pause ends. */
export function laneFor(config: Health, now: number): { lane: 'delivery' | 'retry'; delayMs: number } {
  if (config.failingSince === null && (config.pausedUntil ?? 0) <= now) return { lane: 'delivery', delayMs: 0 };
  const wait = Math.max(0, (config.pausedUntil ?? 0) - now);
  return { lane: 'retry', delayMs: wait > 0 ? wait + jitterMs(wait) : 0 };
}

async function sendAll(queue: Queue<WebhookDeliveryJob>, jobs: WebhookDeliveryJob[], delayMs: number): Promise<void> {
  for (let start = 0; start < jobs.length; start += SEND_BATCH) {
    await queue.sendBatch(
      jobs.slice(start, start + SEND_BATCH).map((body) => ({ body, contentType: 'json' as const, delaySeconds: delaySeconds(delayMs) })),
    );
  }
}

/** Sends one message per delivery, each to the lane its config's health calls for. */
export async function enqueueDeliveries(deps: WebhookDeps, config: Health, jobs: WebhookDeliveryJob[], now: number): Promise<void> {
  if (jobs.length === 0) return;
  const { lane, delayMs } = laneFor(config, now);
  await sendAll(lane === 'delivery' ? deps.deliveryQueue : deps.retryQueue, jobs, delayMs);
}

export async function sendDispatch(queue: Queue<WebhookDispatchJob>, organizationIds: string[]): Promise<void> {
  for (let start = 0; start < organizationIds.length; start += SEND_BATCH) {
    await queue.sendBatch(
      organizationIds
        .slice(start, start + SEND_BATCH)
        .map((organizationId) => ({ body: { organizationId }, contentType: 'json' as const })),
    );
  }
}
