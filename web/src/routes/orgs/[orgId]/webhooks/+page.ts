import { listInstances } from '#lib/shell/instances.ts';
import { problemForInline } from '#lib/shell/load-errors.ts';
import { canConfigureWebhooks } from '#lib/shell/roles.ts';
import { listWebhooks } from '#lib/webhooks/webhooks.ts';
import type { PageLoad } from './$types';

// Webhooks are for owners; others get a clear page instead of a failed request.
export const load: PageLoad = async ({ fetch, parent, url }) => {
  const { org } = await parent();
  if (!canConfigureWebhooks(org.role)) return { forbidden: true, webhooks: [], instances: [], problem: null };
  try {
    const [webhooks, instances] = await Promise.all([listWebhooks(fetch, org.id), listInstances(fetch, org.id).catch(() => [])]);
    return { forbidden: false, webhooks, instances, problem: null };
  } catch (cause) {
    return { forbidden: false, webhooks: [], instances: [], problem: problemForInline(cause, url) };
  }
};
