import { createApp } from './app';
import type { ArchiveJob, WorkerEnv } from './env';
import { handleArchiveBatch } from './jobs/archive-consumer';
import { runDailyJobs } from './jobs/daily-cron';

const app = createApp();

export default {
  fetch: app.fetch,
  async scheduled(controller, env) {
    await runDailyJobs(env, controller.scheduledTime);
  },
  async queue(batch, env) {
    await handleArchiveBatch(batch, env);
  },
} satisfies ExportedHandler<WorkerEnv, ArchiveJob>;
