import { createApp } from './app.ts';
import { readConfig } from './config.ts';
import type { ArchiveJob, WebhookDeliveryJob, WebhookDispatchJob, WorkerEnv } from './env.ts';
import { handleArchiveBatch } from './jobs/archive-consumer.ts';
import { runDailyJobs } from './jobs/daily-cron.ts';
import { HOURLY_CRON, runHourlyJobs } from './jobs/hourly-cron.ts';
import { handleWebhookBatch, isWebhookQueue } from './jobs/webhook-consumers.ts';

// The Durable Object class that runs each log stream's deliveries (wrangler.toml, LOG_STREAM_RUNNER).
export { LogStreamRunner } from './jobs/log-stream-runner.ts';
// The Durable Object class that runs organization moves between shards (wrangler.toml, ORGANIZATION_MOVER).
export { OrganizationMover } from './jobs/organization-mover.ts';

const app = createApp();

export default {
  fetch: app.fetch,
  // Invalid variables stop the cron and the consumers before any work (readConfig throws naming
  // them): the invocation fails, and queue messages are retried once the variables are fixed.
  async scheduled(controller, env) {
    readConfig(env);
    // wrangler.toml [triggers]: the hourly checkpoints, and the daily run (any other schedule).
    if (controller.cron === HOURLY_CRON) await runHourlyJobs(env, controller.scheduledTime);
    else await runDailyJobs(env, controller.scheduledTime);
  },
  async queue(batch, env) {
    readConfig(env);
    if (isWebhookQueue(batch.queue)) await handleWebhookBatch(batch, env);
    else await handleArchiveBatch(batch as MessageBatch<ArchiveJob>, env);
  },
} satisfies ExportedHandler<WorkerEnv, ArchiveJob | WebhookDispatchJob | WebhookDeliveryJob>;
