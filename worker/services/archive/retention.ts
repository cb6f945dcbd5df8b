import { and, eq, isNull, lte, sql } from 'drizzle-orm';
import { verificationKey } from '../../archive/manifest.ts';
import { week as isoWeek, lastWeekStartOlderThan } from '../../archive/week.ts';
import { sha256Hex } from '../../auth/secrets.ts';
import type { AuditLogSettings } from '../../contract/settings.ts';
import type { Database } from '../../db/client.ts';
import { auditEvents, eventWeeks } from '../../db/schema.ts';
import { orgKey } from '../event-store/index.ts';
import { checkpointCoversRange } from '../integrity/index.ts';
import { type ArchiveRow, latestRevision } from './archive-rows.ts';
import { deleteDayParts } from './day-parts.ts';
import { archiveKeys, readObjectBytes } from './storage.ts';

const DELETE_CHUNK = 5000;

export interface RetentionReport {
  purgedWeeks: string[];
  deletedEvents: number;
  /** Weeks past retention whose events stay in D1, and why. */
  kept: { organizationId: string; startDate: string; reason: string }[];
}

/** Re-checks a stored archive before its events leave D1: manifest hash, signature, and ZIP size. */
async function archiveVerifies(bucket: R2Bucket, publicKey: CryptoKey, archive: ArchiveRow): Promise<string | null> {
  const keys = archiveKeys(archive.organizationId, archive.startDate, archive.revision);
  const [manifest, signature, zip] = await Promise.all([
    readObjectBytes(bucket, keys.manifest),
    readObjectBytes(bucket, keys.signature),
    bucket.head(keys.zip),
  ]);
  if (!manifest || !signature || !zip) return 'archive files missing from R2';
  if ((await sha256Hex(manifest)) !== archive.manifestSha256) return 'manifest hash differs from the archives row';
  if (!(await crypto.subtle.verify('Ed25519', publicKey, signature as Uint8Array<ArrayBuffer>, manifest as Uint8Array<ArrayBuffer>)))
    return 'manifest signature does not verify';
  const parsed = JSON.parse(new TextDecoder().decode(manifest)) as { archive?: { sha256?: string; bytes?: number; records?: number } };
  if (parsed.archive?.sha256 !== archive.sha256 || parsed.archive.bytes !== archive.bytes || zip.size !== archive.bytes)
    return 'ZIP does not match its manifest';
  return null;
}

/**
 * Deletes from D1 the events of every week that ended more than the organization's hot retention
 * (`hotRetentionDays` of its settings, else the deployment's default) ago, but only when the week's
 * latest archive holds all of its events and that archive verifies. Whole weeks go at once, so an
 * event may stay up to a week longer than the retention period.
 */
export async function applyRetention(
  db: Database,
  bucket: R2Bucket,
  signingKey: string,
  now: number,
  defaults: AuditLogSettings,
  settings: ReadonlyMap<string, AuditLogSettings>,
): Promise<RetentionReport> {
  // Candidates by the shortest retention in force anywhere; each organization is then held to its own.
  const shortest = Math.min(defaults.hotRetentionDays, ...[...settings.values()].map((entry) => entry.hotRetentionDays));
  const weeks = await db
    .select()
    .from(eventWeeks)
    .where(and(lte(eventWeeks.startDate, lastWeekStartOlderThan(now, shortest)), isNull(eventWeeks.purgedAt)));
  const report: RetentionReport = { purgedWeeks: [], deletedEvents: 0, kept: [] };
  const due = weeks.filter(
    (week) => week.startDate <= lastWeekStartOlderThan(now, (settings.get(week.organizationId) ?? defaults).hotRetentionDays),
  );
  if (due.length === 0) return report;
  const publicKey = await verificationKey(signingKey);
  for (const candidate of due) {
    const where = { organizationId: candidate.organizationId, startDate: candidate.startDate };
    const archive = await latestRevision(db, candidate.organizationId, candidate.startDate);
    if (!archive || candidate.lastReceivedAt > archive.builtAt) {
      report.kept.push({ ...where, reason: 'no archive holds all of its events yet' });
      continue;
    }
    const problem = await archiveVerifies(bucket, publicKey, archive);
    if (problem) {
      report.kept.push({ ...where, reason: problem });
      continue;
    }
    const range = isoWeek(candidate.startDate);
    // The chain must continue after these rows are gone: a checkpoint at or after their last sequence.
    const unanchored = await checkpointCoversRange({ db, signingKey }, candidate.organizationId, range, now);
    if (unanchored) {
      report.kept.push({ ...where, reason: unanchored });
      continue;
    }
    for (;;) {
      const deleted = await db
        .delete(auditEvents)
        .where(
          sql`rowid IN (SELECT rowid FROM ${auditEvents} WHERE ${auditEvents.orgKey} = ${orgKey(candidate.organizationId)}
            AND ${auditEvents.timestamp} >= ${range.startMs} AND ${auditEvents.timestamp} < ${range.endMs} LIMIT ${DELETE_CHUNK})`,
        )
        .returning({ id: auditEvents.id });
      report.deletedEvents += deleted.length;
      if (deleted.length < DELETE_CHUNK) break;
    }
    await db
      .update(eventWeeks)
      .set({ purgedAt: now })
      .where(and(eq(eventWeeks.organizationId, candidate.organizationId), eq(eventWeeks.startDate, candidate.startDate)));
    // The week's day parts can never be used again (its events are gone): free their storage.
    await deleteDayParts(
      bucket,
      candidate.organizationId,
      range.days.map((day) => day.date),
    );
    report.purgedWeeks.push(`${candidate.organizationId}/${candidate.startDate}`);
  }
  return report;
}
