/**
 * Before anything is written: one requested week's latest archive, verified as it streams from R2
 * (worker/archive/verify/: manifest format, Ed25519 signature, every day file and its hash, the
 * ZIP's hash and counts), cross-checked with the shard's archives rows where they survive, and
 * every event proven to store back unchanged.
 */
import { and, desc, eq } from 'drizzle-orm';
import { verifyArchiveStream } from '../../archive/verify/index.ts';
import { sha256Hex } from '../../auth/secrets.ts';
import type { Database } from '../../db/client.ts';
import { archives } from '../../db/schema.ts';
import { latestOf, objectBytes, type StoredRevision, zipChunks } from './archive-files.ts';
import { dayFileEvents } from './restore-rows.ts';

/** What builds put between an event's receipt and the archive's snapshot by default (services/archive/build.ts). */
const SETTLE_MS = 60_000;

export interface VerifiedWeek {
  startDate: string;
  stored: StoredRevision;
  /** The ZIP's ETag when it verified: the restore reads exactly these bytes again. */
  etag: string;
  /** The manifest's day files: name → sha256. */
  files: Map<string, string>;
  records: number;
  /** The receipt time restored rows get: no later than the archive's snapshot, so the week is not due again. */
  receivedAt: number;
}

export interface WeekRefusal {
  kind: 'not-found' | 'expired' | 'unverified';
  /** The R2 key of the file at fault. */
  file: string;
  detail: string;
}

/** Problems about the manifest itself (its format, fields or signature) rather than the ZIP it describes. */
const MANIFEST_PROBLEM =
  /^(manifest:|manifest\.(version|organizationId|startDate|endDate|revision|generatedAt|previousManifestSha256|chainHash)|signature|public key)/;

const refuse = (kind: WeekRefusal['kind'], file: string, detail: string): WeekRefusal => ({ kind, file, detail });

interface ManifestFields {
  organizationId?: unknown;
  startDate?: unknown;
  generatedAt?: unknown;
  files?: { name: string; sha256: string }[];
}

/** The manifest's fields, or none when it is not JSON (the verifier then names what is wrong). */
function manifestFields(bytes: Uint8Array): ManifestFields {
  try {
    const parsed: unknown = JSON.parse(new TextDecoder().decode(bytes));
    return parsed !== null && typeof parsed === 'object' ? (parsed as ManifestFields) : {};
  } catch {
    return {};
  }
}

export async function verifyWeek(
  deps: { db: Database; bucket: R2Bucket; publicKeyPem: string },
  organizationId: string,
  startDate: string,
  manifests: readonly StoredRevision[],
): Promise<VerifiedWeek | WeekRefusal> {
  const { db, bucket } = deps;
  const prefix = `orgs/${organizationId}/archives/${startDate}`;
  const [row] = await db
    .select()
    .from(archives)
    .where(and(eq(archives.organizationId, organizationId), eq(archives.startDate, startDate)))
    .orderBy(desc(archives.revision))
    .limit(1);
  // The revision the shard records, when it still does; else the latest in R2 (the shard lost its rows).
  const stored = row
    ? manifests.find((entry) => entry.startDate === startDate && entry.revision === row.revision)
    : latestOf(manifests, startDate);
  if (row && !stored) {
    const missing = `${prefix}${row.revision > 1 ? `.rev${row.revision}` : ''}.manifest.json`;
    return refuse(
      'unverified',
      missing,
      `The shard records revision ${row.revision} of week ${startDate}, but its manifest ${missing} is missing.`,
    );
  }
  if (!stored) return refuse('not-found', `${prefix}.manifest.json`, `Week ${startDate} has no archive (no manifest under ${prefix}).`);
  const [manifest, signature] = await Promise.all([objectBytes(bucket, stored.keys.manifest), objectBytes(bucket, stored.keys.signature)]);
  if (!manifest) return refuse('unverified', stored.keys.manifest, `${stored.keys.manifest} could not be read.`);
  if (!signature) return refuse('unverified', stored.keys.signature, `${stored.keys.signature} (the manifest's signature) is missing.`);
  if (row && (await sha256Hex(manifest)) !== row.manifestSha256) {
    return refuse('unverified', stored.keys.manifest, `${stored.keys.manifest} is not the manifest the shard recorded (sha256 differs).`);
  }
  const fields = manifestFields(manifest);
  if ('organizationId' in fields && (fields.organizationId !== organizationId || fields.startDate !== startDate)) {
    return refuse(
      'unverified',
      stored.keys.manifest,
      `${stored.keys.manifest} names organization ${String(fields.organizationId)}, week ${String(fields.startDate)}: not this organization's archive of ${startDate}.`,
    );
  }
  const zip = await zipChunks(bucket, stored.keys.zip);
  if (!zip) {
    return row?.expiredAt
      ? refuse('expired', stored.keys.zip, `The ZIP ${stored.keys.zip} of week ${startDate} expired (archive retention).`)
      : refuse('not-found', stored.keys.zip, `The ZIP ${stored.keys.zip} of week ${startDate} is missing.`);
  }
  const report = await verifyArchiveStream({
    chunks: zip.chunks,
    manifest,
    signature,
    publicKeyPem: deps.publicKeyPem,
    onDayFile: (name, data) => void dayFileEvents(organizationId, name, data),
  });
  if (report.problems.length > 0) {
    const file = MANIFEST_PROBLEM.test(report.problems[0] ?? '') ? stored.keys.manifest : stored.keys.zip;
    return refuse('unverified', file, `${file} does not verify: ${report.problems.slice(0, 5).join('; ')}`);
  }
  return {
    startDate,
    stored,
    etag: zip.etag,
    files: new Map((fields.files ?? []).map((file) => [file.name, file.sha256])),
    records: report.records,
    receivedAt: row?.revision === stored.revision ? row.builtAt : Date.parse(String(fields.generatedAt)) - SETTLE_MS,
  };
}
