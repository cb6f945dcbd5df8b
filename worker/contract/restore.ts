import { z } from '@hono/zod-openapi';
import { CalendarDate } from './archive.ts';

/** At most this many weeks in one restore request (two years). */
const MAX_RESTORE_WEEKS = 104;

const isMonday = (date: string) => new Date(`${date}T00:00:00Z`).getUTCDay() === 1;

export const RestoreRequestSchema = z
  .object({
    weeks: z
      .array(CalendarDate.refine(isMonday, 'A week is named by its Monday (YYYY-MM-DD)'))
      .min(1)
      .max(MAX_RESTORE_WEEKS)
      .refine((weeks) => new Set(weeks).size === weeks.length, 'Each week at most once')
      .openapi({ example: ['2026-11-23'] }),
  })
  .strict()
  .openapi('RestoreRequest');

const RestoreConflictSchema = z.object({
  id: z.string(),
  sequence: z.number().int(),
  reason: z.string().openapi({ example: 'the shard holds this id with other content' }),
});

const RestoredWeekSchema = z
  .object({
    week: z.string().openapi({ example: '2026-11-23' }),
    revision: z.number().int().openapi({ description: 'The archive revision the events were read from (the latest).' }),
    archive: z.string().openapi({ description: 'The R2 key of the ZIP that was verified and read.' }),
    events: z.number().int().openapi({ description: 'Events in the archive.' }),
    restored: z.number().int().openapi({ description: 'Events put back into the shard by this request.' }),
    alreadyPresent: z.number().int().openapi({ description: 'Events the shard already held, unchanged.' }),
    conflicting: z.number().int().openapi({
      description: 'Events not put back because the shard holds their id or sequence with other content (an altered record).',
    }),
    conflicts: z.array(RestoreConflictSchema).openapi({ description: 'The first 100 of them.' }),
  })
  .openapi('RestoredWeek');

export const RestoreResultSchema = z.object({ restore: z.object({ weeks: z.array(RestoredWeekSchema) }) }).openapi('RestoreResult');

export type RestoreResult = z.infer<typeof RestoreResultSchema>;
export type RestoredWeek = z.infer<typeof RestoredWeekSchema>;
