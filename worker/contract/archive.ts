import { z } from '@hono/zod-openapi';
import { integerParameterOr } from './integer-parameter.ts';

const MIN_YEAR = 1970;
const MAX_YEAR = 9999;

/** `YYYY-MM-DD`, a real calendar date between 1970 and 9999 (outside it no archive can exist). */
export const CalendarDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'Use YYYY-MM-DD')
  .refine((value) => {
    const year = Number(value.slice(0, 4));
    const ms = Date.parse(`${value}T00:00:00Z`);
    return year >= MIN_YEAR && year <= MAX_YEAR && !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 10) === value;
  }, `Not a calendar date between ${MIN_YEAR} and ${MAX_YEAR}`);

const DatePartsSchema = z.object({ year: z.number().int(), month: z.number().int(), day: z.number().int() });

const ArchiveSchema = z
  .object({
    startDate: DatePartsSchema,
    endDate: DatePartsSchema,
    presignedUrl: z.string().optional().openapi({
      description: 'Absolute, signed link to the ZIP; valid 15 minutes; needs no other credential. Absent when the ZIP expired.',
    }),
    presignedUrlExpiration: z.string().optional(),
    expired: z.boolean().openapi({
      description: "The ZIP was deleted under the organization's archive retention; the manifest and signature remain",
    }),
    records: z.number().int(),
    bytes: z.number().int(),
    sha256: z.string(),
    revision: z.number().int(),
    manifestUrl: z.string(),
    signatureUrl: z.string(),
  })
  .openapi('AuditLogArchive');

export const ArchiveListSchema = z
  .object({ archives: z.array(ArchiveSchema), totalArchivesCount: z.number().int() })
  .openapi('AuditLogArchiveList');

export const ArchiveListQuery = z.object({
  'filters.startDate': CalendarDate.optional().openapi({
    param: { name: 'filters.startDate', in: 'query' },
    description: 'Weeks that end on or after this date',
  }),
  'filters.endDate': CalendarDate.optional().openapi({
    param: { name: 'filters.endDate', in: 'query' },
    description: 'Weeks that start on or before this date',
  }),
  'filters.limit': integerParameterOr(50, 1, 1000).openapi({ param: { name: 'filters.limit', in: 'query' } }),
  'filters.offset': integerParameterOr(0, 0, 1_000_000).openapi({ param: { name: 'filters.offset', in: 'query' } }),
});

export const PublicKeySchema = z
  .object({ pem: z.string(), jwk: z.object({ kty: z.literal('OKP'), crv: z.literal('Ed25519'), x: z.string() }) })
  .openapi('ArchivePublicKey');

export type DateParts = z.infer<typeof DatePartsSchema>;
export type AuditLogArchive = z.infer<typeof ArchiveSchema>;
export type ArchiveList = z.infer<typeof ArchiveListSchema>;
export type PublicKey = z.infer<typeof PublicKeySchema>;
