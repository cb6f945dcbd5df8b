import { z } from '@hono/zod-openapi';

/** The audit event as the API returns it, exports stream it and archive day files store it. */
export const AuditEventSchema = z
  .object({
    id: z.string(),
    organizationId: z.string(),
    instanceId: z.string().nullable(),
    timestamp: z.string().openapi({ description: 'RFC 3339, UTC, millisecond precision' }),
    action: z.string(),
    actor: z.object({ type: z.string(), id: z.string(), ip: z.string() }),
    object: z.object({
      type: z.string(),
      id: z.object({ name: z.string(), kind: z.string(), group: z.string() }),
      parentId: z.object({ name: z.string(), parentName: z.string(), applicationName: z.string() }),
    }),
    details: z.object({ message: z.string(), patch: z.string(), actionType: z.string() }).catchall(z.unknown()),
    count: z.number().int(),
    lastOccurredTimestamp: z.string(),
  })
  .openapi('AuditEvent');

export type AuditEvent = z.infer<typeof AuditEventSchema>;

export const AuditLogPageSchema = z
  .object({ items: z.array(AuditEventSchema), totalCount: z.number().int(), nextCursor: z.string().nullable() })
  .openapi('AuditLogPage');

export type AuditLogPage = z.infer<typeof AuditLogPageSchema>;
