import { database } from '../db/client.ts';
import type { WebhookDeliveryJob, WebhookDispatchJob, WorkerEnv } from '../env.ts';
import { metMoveFence } from '../services/event-store/index.ts';
import { deliverBatch, dispatchOrganization, type Lane, sendDispatch, webhookDeps } from '../services/webhooks/index.ts';
import { DISPATCH_RETRY_SECONDS, machineryRetrySeconds } from '../webhooks/retry-policy.ts';

/** Queue names of wrangler.toml; `queue()` routes each batch by them. */
const WEBHOOK_DISPATCH_QUEUE = 'audit-log-webhook-dispatch';
const WEBHOOK_DELIVERY_QUEUE = 'audit-log-webhook-deliveries';
const WEBHOOK_RETRY_QUEUE = 'audit-log-webhook-retries';

const log = (line: Record<string, unknown>) => console.log(JSON.stringify({ job: 'webhooks', ...line }));
const logError = (line: Record<string, unknown>, error: unknown) =>
  console.error(JSON.stringify({ job: 'webhooks', ...line, error: error instanceof Error ? error.message : String(error) }));

/**
 * Dispatch: one run per organization in the batch (nudges for the same organization collapse),
 * one after another. An organization with more events than one run reads continues in a new
 * message, so a large backlog never holds a batch for long.
 */
async function handleDispatchBatch(batch: MessageBatch<WebhookDispatchJob>, env: WorkerEnv): Promise<void> {
  // Configs in the main database; each organization's events and deliveries in its shard.
  const deps = webhookDeps(env, database(env.DB));
  const messages = new Map<string, Message<WebhookDispatchJob>[]>();
  for (const message of batch.messages) {
    const organizationId = message.body.organizationId;
    messages.set(organizationId, [...(messages.get(organizationId) ?? []), message]);
  }
  for (const [organizationId, group] of messages) {
    try {
      const started = Date.now();
      const result = await dispatchOrganization(deps, organizationId, started);
      if (result.more) await sendDispatch(deps.dispatchQueue, [organizationId]);
      if (result.sent > 0 || result.reissued > 0) log({ dispatch: organizationId, ...result, ms: Date.now() - started });
      for (const message of group) message.ack();
    } catch (error) {
      // A move's fence: the retry reads the organization's new shard (services/event-store/move-fence.ts).
      metMoveFence(error);
      logError({ dispatch: organizationId }, error);
      for (const message of group) message.retry({ delaySeconds: DISPATCH_RETRY_SECONDS });
    }
  }
}

/** Deliveries: the batch is handled together (services/webhooks/deliver.ts); each message gets its outcome. */
async function handleDeliveryBatch(batch: MessageBatch<WebhookDeliveryJob>, env: WorkerEnv, lane: Lane): Promise<void> {
  // Configs in the main database; each organization's events and deliveries in its shard.
  const deps = webhookDeps(env, database(env.DB));
  const started = Date.now();
  const outcomes = await deliverBatch(
    deps,
    batch.messages.map((message) => message.body),
    lane,
  );
  const counts: Record<string, number> = {};
  batch.messages.forEach((message, index) => {
    const outcome = outcomes[index] ?? { kind: 'error', result: 'no outcome' };
    counts[outcome.kind] = (counts[outcome.kind] ?? 0) + 1;
    if (outcome.kind === 'retry') message.retry({ delaySeconds: outcome.delaySeconds });
    else if (outcome.kind === 'error') {
      logError({ deliveryId: message.body.deliveryId, lane, attempt: message.attempts }, outcome.result);
      message.retry({ delaySeconds: machineryRetrySeconds(message.attempts) });
    } else message.ack();
  });
  log({ lane, messages: batch.messages.length, ...counts, ms: Date.now() - started });
}

export function isWebhookQueue(queue: string): boolean {
  return queue === WEBHOOK_DISPATCH_QUEUE || queue === WEBHOOK_DELIVERY_QUEUE || queue === WEBHOOK_RETRY_QUEUE;
}

export function handleWebhookBatch(batch: MessageBatch<unknown>, env: WorkerEnv): Promise<void> {
  if (batch.queue === WEBHOOK_DISPATCH_QUEUE) return handleDispatchBatch(batch as MessageBatch<WebhookDispatchJob>, env);
  return handleDeliveryBatch(batch as MessageBatch<WebhookDeliveryJob>, env, batch.queue === WEBHOOK_RETRY_QUEUE ? 'retry' : 'delivery');
}
