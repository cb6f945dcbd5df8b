import { importSigningKey, type PublicKeyDocument, publicKeyOf } from '../../archive/manifest.ts';
import { LINK_TTL_SECONDS, type LinkFile, signLink } from '../../archive/signed-link.ts';
import { DAY_MS, dateMs, dateParts, dateString, week } from '../../archive/week.ts';
import type { ActorType, Credential } from '../../auth/principal.ts';
import type { ArchiveList } from '../../contract/archive.ts';
import type { Database } from '../../db/client.ts';
import { badRequest } from '../../errors.ts';
import { type ArchiveRow, listArchives } from './archive-rows.ts';

export interface ArchiveListRequest {
  startDate: string | undefined;
  endDate: string | undefined;
  limit: number;
  offset: number;
}

export interface LinkIssuer {
  /** Absolute links need the origin the caller reached us on. */
  origin: string;
  secret: string;
  /** The caller: downloads through these links are recorded as their actions. */
  actor: { type: ActorType; id: string };
  credential: Credential;
  now: number;
}

/** The latest revision of each week, newest first, each with fresh signed links (15 minutes). */
export async function listArchivesWithLinks(
  db: Database,
  organizationId: string,
  request: ArchiveListRequest,
  issuer: LinkIssuer,
): Promise<ArchiveList> {
  const { startDate: start, endDate: end } = request;
  if (start && end && start > end) throw badRequest('filters.startDate is after filters.endDate.');
  const { rows, total } = await listArchives(db, organizationId, {
    // A week overlaps [start, end] when it starts at most six days before start, and not after end.
    minStartDate: start ? dateString(dateMs(start) - 6 * DAY_MS) : null,
    maxStartDate: end ?? null,
    limit: request.limit,
    offset: request.offset,
  });
  const expires = Math.floor(issuer.now / 1000) + LINK_TTL_SECONDS;
  const link = (row: ArchiveRow, file: LinkFile) =>
    signLink(issuer.origin, issuer.secret, {
      organizationId,
      startDate: row.startDate,
      revision: row.revision,
      file,
      expires,
      actorType: issuer.actor.type,
      actorId: issuer.actor.id,
      credentialType: issuer.credential.type,
      credentialId: issuer.credential.id,
    });
  const archives = await Promise.all(
    rows.map(async (row) => ({
      startDate: dateParts(row.startDate),
      endDate: dateParts(week(row.startDate).endDate),
      ...(row.expiredAt === null
        ? { presignedUrl: await link(row, 'zip'), presignedUrlExpiration: new Date(expires * 1000).toISOString() }
        : {}),
      expired: row.expiredAt !== null,
      records: row.records,
      bytes: row.bytes,
      sha256: row.sha256,
      revision: row.revision,
      manifestUrl: await link(row, 'manifest'),
      signatureUrl: await link(row, 'signature'),
    })),
  );
  return { archives, totalArchivesCount: total };
}

let cachedPublicKey: { secret: string; document: PublicKeyDocument } | null = null;

/** The public half of ARCHIVE_SIGNING_KEY, derived once per isolate. */
export async function archivePublicKey(signingKey: string): Promise<PublicKeyDocument> {
  if (cachedPublicKey?.secret !== signingKey) {
    cachedPublicKey = { secret: signingKey, document: await publicKeyOf(await importSigningKey(signingKey)) };
  }
  return cachedPublicKey.document;
}
