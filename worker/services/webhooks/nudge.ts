import type { Database } from '../../db/client.ts';
import type { WebhookDispatchJob } from '../../env.ts';
import { hasActiveConfig } from './configs.ts';

/**
 * After a request that may have recorded events of an organization: one cheap lookup, and a
 * dispatch message only when the organization has an active webhook (docs/WEBHOOKS.md, "How it works").
 */
export async function nudgeOrganization(db: Database, queue: Queue<WebhookDispatchJob>, organizationId: string): Promise<boolean> {
  if (!(await hasActiveConfig(db, organizationId))) return false;
  await queue.send({ organizationId }, { contentType: 'json' });
  return true;
}
