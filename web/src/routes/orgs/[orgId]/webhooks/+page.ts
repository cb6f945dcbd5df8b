import { listInstances } from '#lib/instances.ts';
import { problemForInline } from '#lib/load-errors.ts';
import { canConfigureWebhooks } from '#lib/roles.ts';
import { listWebhooks } from '#lib/webhooks.ts';
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
