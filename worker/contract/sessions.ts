import { z } from '@hono/zod-openapi';
import { SESSION_METHODS } from './enums.ts';

const SessionSchema = z
  .object({
    id: z.string().openapi({ example: 'ses_01JDX6Q8Z3V4K2M9R7T5W1Y0AB' }),
    method: z.enum(SESSION_METHODS).openapi({ description: 'How the session was started' }),
    createdAt: z.string().openapi({ format: 'date-time' }),
    lastUsedAt: z.string().openapi({ format: 'date-time', description: 'Refreshed at most once a minute' }),
    userAgent: z.string().nullable(),
    ip: z.string().nullable(),
    current: z.boolean().openapi({ description: 'The session this request came with' }),
  })
  .openapi('Session');
export type SessionInfo = z.infer<typeof SessionSchema>;

export const SessionListSchema = z.object({ sessions: z.array(SessionSchema) }).openapi('SessionList');

export const SessionParams = z.object({
  id: z
    .string()
    .min(1)
    .max(256)
    .openapi({ param: { name: 'id', in: 'path' }, example: 'ses_01JDX6Q8Z3V4K2M9R7T5W1Y0AB' }),
});
