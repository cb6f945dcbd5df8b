import { and, eq, isNull, lte, sql } from 'drizzle-orm';
import { verificationKey } from '../archive/manifest';
import { sha256Hex } from '../auth/secrets';
import { dateString, DAY_MS, week as isoWeek, WEEK_MS } from '../archive/week';
import type { Database } from '../db/client';
import { auditEvents, eventWeeks } from '../db/schema';
import { archiveKeys, readObjectBytes } from './archive-storage';
import { latestRevision, type ArchiveRow } from './archives';

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
 * Deletes from D1 the events of every week that ended more than `hotRetentionDays` ago, but only
 * when the week's latest archive holds all of its events and that archive verifies. Whole weeks go
 * at once, so an event may stay up to a week longer than the retention period.
 */
export async function applyRetention(
  db: Database,
  bucket: R2Bucket,
  signingKey: string,
  now: number,
  hotRetentionDays: number,
): Promise<RetentionReport> {
  const cutoff = now - hotRetentionDays * DAY_MS;
  const lastPurgeableStart = dateString(cutoff - WEEK_MS);
  const weeks = await db
    .select()
    .from(eventWeeks)
    .where(and(lte(eventWeeks.startDate, lastPurgeableStart), isNull(eventWeeks.purgedAt)));
  const report: RetentionReport = { purgedWeeks: [], deletedEvents: 0, kept: [] };
  if (weeks.length === 0) return report;
  const publicKey = await verificationKey(signingKey);
  for (const candidate of weeks) {
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
    for (;;) {
      const deleted = await db
        .delete(auditEvents)
        .where(
          sql`rowid IN (SELECT rowid FROM ${auditEvents} WHERE ${auditEvents.organizationId} = ${candidate.organizationId}
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
    report.purgedWeeks.push(`${candidate.organizationId}/${candidate.startDate}`);
  }
  return report;
}
