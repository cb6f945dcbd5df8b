import type { TestProject } from 'vitest/node';
import { startWebhookReceiver } from '../../scripts/lib/webhook-receiver.ts';

/**
 * A real HTTP receiver in the Node process running Vitest: the Worker under test (in workerd)
 * delivers webhooks to it over the loopback network, and the tests set up hooks and read what
 * arrived through its control paths (scripts/lib/webhook-receiver.ts).
 */
export default async function setup(project: TestProject) {
  const receiver = await startWebhookReceiver();
  project.provide('webhookReceiverUrl', receiver.baseUrl);
  return () => receiver.stop();
}

declare module 'vitest' {
  export interface ProvidedContext {
    webhookReceiverUrl: string;
  }
}
