import { createApp } from './app.ts';
import type { ArchiveJob, WebhookDeliveryJob, WebhookDispatchJob, WorkerEnv } from './env.ts';
import { handleArchiveBatch } from './jobs/archive-consumer.ts';
import { runDailyJobs } from './jobs/daily-cron.ts';
import { handleWebhookBatch, isWebhookQueue } from './jobs/webhook-consumers.ts';

const app = createApp();

export default {
  fetch: app.fetch,
  async scheduled(controller, env) {
    await runDailyJobs(env, controller.scheduledTime);
  },
  async queue(batch, env) {
    if (isWebhookQueue(batch.queue)) await handleWebhookBatch(batch, env);
    else await handleArchiveBatch(batch as MessageBatch<ArchiveJob>, env);
  },
} satisfies ExportedHandler<WorkerEnv, ArchiveJob | WebhookDispatchJob | WebhookDeliveryJob>;
