// Test-only typing of `cloudflare:workers` (`env`, `exports`); the Worker's own code never imports it.
import type { D1Migration } from 'cloudflare:test';
import type { WorkerEnv } from '../worker/env';

declare global {
  namespace Cloudflare {
    interface Env extends WorkerEnv {
      TEST_MIGRATIONS: D1Migration[];
      /** Base URL of the local webhook receiver (test/setup/webhook-receiver.ts). */
      WEBHOOK_RECEIVER: string;
      /** The two event shards of wrangler.toml (EVENT_SHARDS). */
      SHARD_1: D1Database;
      SHARD_2: D1Database;
    }
    // `exports.default` is the loopback to this Worker's fetch handler.
    interface GlobalProps {
      mainModule: typeof import('../worker/index');
    }
  }
}
