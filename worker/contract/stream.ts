import { z } from '@hono/zod-openapi';
import { AuditEventSchema } from './audit-event.ts';
import { integerParameterOr } from './integer-parameter.ts';

export const StreamQuery = z.object({
  afterSequence: integerParameterOr(0, 0, Number.MAX_SAFE_INTEGER).openapi({
    param: { name: 'afterSequence', in: 'query' },
    description: 'The last sequence already read (0: from the start)',
  }),
  limit: integerParameterOr(100, 1, 1000).openapi({
    param: { name: 'limit', in: 'query' },
    description: 'Events per answer, default 100, max 1000',
  }),
});

export const StreamPageSchema = z
  .object({
    items: z.array(AuditEventSchema).openapi({ description: 'Events with sequence > afterSequence, ascending' }),
    lastSequence: z.number().int().openapi({ description: "The last item's sequence, or afterSequence when there are none: pass it back" }),
    highestSequence: z.number().int().openapi({ description: 'The highest sequence the organization has stored so far' }),
    hasMore: z.boolean(),
  })
  .openapi('AuditLogStreamPage');

export type StreamPage = z.infer<typeof StreamPageSchema>;
