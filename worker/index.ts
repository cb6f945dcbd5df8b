import { createApp } from './app';
import type { ArchiveJob, WebhookDeliveryJob, WebhookDispatchJob, WorkerEnv } from './env';
import { handleArchiveBatch } from './jobs/archive-consumer';
import { runDailyJobs } from './jobs/daily-cron';
import { handleWebhookBatch, isWebhookQueue } from './jobs/webhook-queues';

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
