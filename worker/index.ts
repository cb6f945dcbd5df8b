import { createApp } from './app';
import type { ArchiveJob, WorkerEnv } from './env';

const app = createApp();

export default {
  fetch: app.fetch,
  async scheduled(_controller, _env, _ctx) {
    // Archive scheduling arrives with the weekly-archive issue.
  },
  async queue(batch, _env, _ctx) {
    batch.ackAll();
  },
} satisfies ExportedHandler<WorkerEnv, ArchiveJob>;
