import { and, eq, isNotNull, isNull, lte } from 'drizzle-orm';
import { lastWeekStartOlderThan } from '../../archive/week.ts';
import type { AuditLogSettings } from '../../contract/settings.ts';
import type { Database } from '../../db/client.ts';
import { archives, eventWeeks } from '../../db/schema.ts';
import { archiveKeys } from './storage.ts';

export interface ArchiveExpiryReport {
  expired: string[];
  /** ZIPs R2 would not delete yet (the bucket's write-once lock holds them): tried again on the next run. */
  held: string[];
}

/**
 * Archive retention: for organizations that set `archiveRetentionDays`, the ZIPs of weeks that
 * ended longer ago are deleted from R2 (every revision). Manifests and signatures stay, so the hash
 * chain still verifies and an auditor can still see what existed; the rows say when each expired.
 * Only weeks whose events already left D1 expire, so no event is ever held nowhere.
 */
export async function expireArchives(
  db: Database,
  bucket: R2Bucket,
  now: number,
  settings: ReadonlyMap<string, AuditLogSettings>,
): Promise<ArchiveExpiryReport> {
  const report: ArchiveExpiryReport = { expired: [], held: [] };
  for (const [organizationId, { archiveRetentionDays }] of settings) {
    if (archiveRetentionDays === 0) continue;
    const lastExpiredStart = lastWeekStartOlderThan(now, archiveRetentionDays);
    const rows = await db
      .select({ startDate: archives.startDate, revision: archives.revision })
      .from(archives)
      .innerJoin(eventWeeks, and(eq(eventWeeks.organizationId, archives.organizationId), eq(eventWeeks.startDate, archives.startDate)))
      .where(
        and(
          eq(archives.organizationId, organizationId),
          lte(archives.startDate, lastExpiredStart),
          isNull(archives.expiredAt),
          isNotNull(eventWeeks.purgedAt),
        ),
      );
    for (const row of rows) {
      const key = archiveKeys(organizationId, row.startDate, row.revision).zip;
      try {
        await bucket.delete(key);
      } catch (error) {
        // A lock rule (docs/OPERATIONS.md, "Write-once archives") outlasting this organization's
        // retention: the row stays unexpired, and a later run deletes the ZIP once the lock allows.
        console.error(JSON.stringify({ job: 'archive-expiry', key, held: String(error) }));
        report.held.push(`${organizationId}/${row.startDate}/rev${row.revision}`);
        continue;
      }
      await db
        .update(archives)
        .set({ expiredAt: now })
        .where(
          and(eq(archives.organizationId, organizationId), eq(archives.startDate, row.startDate), eq(archives.revision, row.revision)),
        );
      report.expired.push(`${organizationId}/${row.startDate}/rev${row.revision}`);
    }
  }
  return report;
}
