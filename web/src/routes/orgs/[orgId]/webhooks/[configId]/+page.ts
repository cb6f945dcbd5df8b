import { error } from '@sveltejs/kit';
import { listInstances } from '#lib/shell/instances.ts';
import { rethrowForLoad } from '#lib/shell/load-errors.ts';
import { canConfigureWebhooks } from '#lib/shell/roles.ts';
import { deliveryHistory, findWebhook } from '#lib/webhooks/webhooks.ts';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ fetch, params, parent, url }) => {
  const { org } = await parent();
  if (!canConfigureWebhooks(org.role)) error(403, `Only owners of ${org.name} can see its webhooks.`);
  try {
    const webhook = await findWebhook(fetch, org.id, params.configId);
    if (!webhook) error(404, "This webhook doesn't exist in this organization (it may have been deleted).");
    const [history, instances] = await Promise.all([
      deliveryHistory(fetch, org.id, webhook.id),
      listInstances(fetch, org.id).catch(() => []),
    ]);
    return { webhook, history, instances };
  } catch (cause) {
    rethrowForLoad(cause, url);
  }
};
