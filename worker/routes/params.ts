import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { ChangeContext } from '../events/management-event.ts';
import type { OrgAccessEnv } from '../middleware/access.ts';

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

/** The change context of a request guarded by `orgAccess`. */
/** Who changes what; the request then delivers the events the change queued (middleware/read-replication.ts). */
export function changeContext(c: Context<OrgAccessEnv>): ChangeContext {
  c.set('changesQueued', true);
  return { principal: c.var.caller, role: c.var.grant.role, ip: clientIp(c), now: c.var.now };
}

export const security: Array<Record<string, string[]>> = [{ bearerAuth: [] }, { sessionCookie: [] }];
