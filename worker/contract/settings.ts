import { z } from '@hono/zod-openapi';

export const MIN_HOT_RETENTION_DAYS = 7;
export const MAX_HOT_RETENTION_DAYS = 3650;
const MIN_ARCHIVE_RETENTION_DAYS = 365;

const hotRetentionDays = z
  .number()
  .int()
  .min(MIN_HOT_RETENTION_DAYS)
  .max(MAX_HOT_RETENTION_DAYS)
  .openapi({ description: 'Days events stay queryable in the API before only the weekly archives hold them' });

const archiveRetentionDays = z
  .number()
  .int()
  .refine((days) => days === 0 || (days >= MIN_ARCHIVE_RETENTION_DAYS && days <= 36_500), {
    message: `0 (keep archives forever) or ${MIN_ARCHIVE_RETENTION_DAYS} to 36500 days`,
  })
  .openapi({
    description:
      '0 keeps archives forever; otherwise an archive ZIP is deleted this many days after its week ended (its manifest and signature stay)',
  });

export const AuditLogSettingsSchema = z.object({ hotRetentionDays, archiveRetentionDays }).openapi('AuditLogSettings');

export const AuditLogSettingsPatch = z
  .object({ hotRetentionDays: hotRetentionDays.optional(), archiveRetentionDays: archiveRetentionDays.optional() })
  .strict()
  .openapi('AuditLogSettingsPatch');

export type AuditLogSettings = z.infer<typeof AuditLogSettingsSchema>;
export type AuditLogSettingsChange = z.infer<typeof AuditLogSettingsPatch>;
