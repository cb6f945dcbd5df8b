import { z } from '@hono/zod-openapi';
import { CREDENTIAL_TYPES, EVENT_SOURCES } from './enums.ts';

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
      id: z.object({
        name: z.string(),
        kind: z.string(),
        group: z.string(),
        namespace: z.string().optional().openapi({ description: 'Kubernetes namespace of the object; present only when set' }),
      }),
      parentId: z.object({
        name: z.string(),
        parentName: z.string(),
        applicationName: z.string(),
        kargoProjectName: z.string().optional().openapi({ description: 'Kargo project of the object; present only when set' }),
      }),
    }),
    details: z.object({ message: z.string(), patch: z.string(), actionType: z.string() }).catchall(z.unknown()),
    count: z.number().int(),
    lastOccurredTimestamp: z.string(),
    source: z.enum(EVENT_SOURCES).openapi({
      description: '"platform": recorded by this service itself; "ingest": sent to POST …/audit-logs. Set by the service.',
    }),
    sourceKeyId: z.string().nullable().openapi({
      description: 'The API key that sent an ingested event; null for platform events and for events sent with the admin token',
    }),
    credential: z
      .object({ type: z.enum(CREDENTIAL_TYPES), id: z.string() })
      .nullable()
      .openapi({
        description:
          'How the actor authenticated: the API key id, session id or "admin" (admin_token); never a secret. null for what the service does on its own (scheduled jobs) and for events stored before it was recorded. Set by the service.',
      }),
    sequence: z.number().int().openapi({
      description: 'Per organization 1, 2, 3, … in the order events were stored; no gaps, never reused',
    }),
    contentHash: z
      .string()
      .regex(/^[0-9a-f]{64}$/)
      .openapi({
        description:
          'SHA-256 (lowercase hex) of the RFC 8785 canonical JSON of this event without contentHash (docs/INTEGRITY.md). Recomputed from the stored event on every read, so a copy can be checked against it.',
      }),
  })
  .openapi('AuditEvent');

/** What an event says, without what the service assigned when storing it: the idempotency hash covers this. */
export type AuditEventContent = Omit<AuditEvent, 'source' | 'sourceKeyId' | 'credential' | 'sequence' | 'contentHash'>;

export type AuditEvent = z.infer<typeof AuditEventSchema>;

export const AuditLogPageSchema = z
  .object({
    items: z.array(AuditEventSchema),
    totalCount: z.number().int(),
    // An extension: Akuity's clients read totalCount alone, which stays an integer.
    totalCountExact: z.boolean().optional().openapi({
      description:
        'false when totalCount is a lower bound: free text on a common word is counted up to 1,000 matches (totalCount is then 1,000, or the end of the requested page when it lies deeper), and "more" beyond. true or absent: totalCount is exact.',
    }),
    nextCursor: z.string().nullable(),
  })
  .openapi('AuditLogPage');

export type AuditLogPage = z.infer<typeof AuditLogPageSchema>;
