import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { ChangeContext } from '../events/management-event.ts';
import type { OrgAccessEnv } from '../middleware/access.ts';
import { markChangesQueued } from '../middleware/change-events.ts';

const pathId = (name: string, example: string) =>
  z
    .string()
    .min(1)
    .max(256)
    .openapi({ param: { name, in: 'path' }, example });

export const OrgParams = z.object({ orgId: pathId('orgId', 'org_01JDX6Q8Z3V4K2M9R7T5W1Y0AB') });
export const InstanceParams = OrgParams.extend({ instanceId: pathId('instanceId', 'inst_01JDX6Q8Z3V4K2M9R7T5W1Y0AB') });
export const MemberParams = OrgParams.extend({ userId: pathId('userId', 'usr_01JDX6Q8Z3V4K2M9R7T5W1Y0AB') });
export const ApiKeyParams = OrgParams.extend({ keyId: pathId('keyId', 'key_01JDX6Q8Z3V4K2M9R7T5W1Y0AB') });
export const NotificationConfigParams = OrgParams.extend({ id: pathId('id', 'nc_01JDX6Q8Z3V4K2M9R7T5W1Y0AB') });
export const DeliveryParams = OrgParams.extend({
  configId: pathId('configId', 'nc_01JDX6Q8Z3V4K2M9R7T5W1Y0AB'),
  id: pathId('id', 'dlv_01JDX6Q8Z3V4K2M9R7T5W1Y0AB'),
});

/** The caller's address as Cloudflare reports it; recorded on the audit events it causes. */
export function clientIp(c: Pick<Context, 'req'>): string | null {
  return c.req.header('cf-connecting-ip') ?? null;
}

/** Where a sign-in comes from, kept on its session for the owner's session list (the user agent cut to 512 characters). */
export function sessionClient(c: Pick<Context, 'req'>): { userAgent: string | null; ip: string | null } {
  return { userAgent: c.req.header('user-agent')?.slice(0, 512) ?? null, ip: clientIp(c) };
}

/**
 * For a route guarded by `orgAccess` that changes control data: who changes what (the context the
 * service records its events with), and, as a side effect the name spells out, marks the request
 * (`markChangesQueued`) so the events the change queues in the outbox are moved into the
 * organization's shard before it answers (middleware/change-events.ts). A route whose events go
 * straight to the shard (redeliver) builds its context without this.
 */
export function changeContextQueuingEvents(c: Context<OrgAccessEnv>): ChangeContext {
  markChangesQueued(c);
  return { principal: c.var.caller, role: c.var.grant.role, ip: clientIp(c), now: c.var.now };
}

/**
 * Akuity's paths for webhooks (its notification configs and their deliveries) are `/orgs/{orgId}/…`,
 * kept as Akuity spells them so its clients work unchanged; every other route of this API uses
 * `/organizations/{orgId}/…`.
 */
export const AKUITY_NOTIFICATION_CONFIGS_PATH = '/orgs/{orgId}/notification-configs';

export const security: Array<Record<string, string[]>> = [{ bearerAuth: [] }, { sessionCookie: [] }];
