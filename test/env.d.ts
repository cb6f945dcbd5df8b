// Test-only typing of `cloudflare:workers` (`env`, `exports`); the Worker's own code never imports it.
import type { D1Migration } from 'cloudflare:test';
import type { ArchiveJob, WebhookDeliveryJob, WebhookDispatchJob, WorkerEnv } from '../worker/env.ts';

declare global {
  namespace Cloudflare {
    // Env is wrangler's generated bindings (worker/worker-configuration.d.ts) plus the Worker's
    // typed queues and optional variables (WorkerEnv), plus what only the tests bind.
    interface Env extends WorkerEnv {
      ARCHIVE_QUEUE: Queue<ArchiveJob>;
      WEBHOOK_DISPATCH_QUEUE: Queue<WebhookDispatchJob>;
      WEBHOOK_DELIVERY_QUEUE: Queue<WebhookDeliveryJob>;
      WEBHOOK_RETRY_QUEUE: Queue<WebhookDeliveryJob>;
      TEST_MIGRATIONS: D1Migration[];
      /** Base URL of the local webhook receiver (test/setup/webhook-receiver.ts). */
      WEBHOOK_RECEIVER: string;
      /** The real OpenID provider's issuer, and the test server beside it (token tampering, Access keys): test/setup/oidc-provider.ts. */
      OIDC_ISSUER: string;
      OIDC_TEST_SERVER: string;
      /** Base URLs of the local log-stream destinations (test/setup/stream-receivers.ts). */
      SPLUNK_HEC_RECEIVER: string;
      DATADOG_RECEIVER: string;
      S3_RECEIVER: string;
      /** Runs scripts/content-hash.py with python3 on what is POSTed to `<base>/content-hash` (test/setup/python-runner.ts). */
      PYTHON_RUNNER: string;
    }
    // `exports.default` is the loopback to this Worker's fetch handler.
    interface GlobalProps {
      mainModule: typeof import('../worker/index.ts');
    }
  }
}
