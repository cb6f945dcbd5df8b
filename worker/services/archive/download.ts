import type { LinkClaims } from '../../archive/signed-link.ts';
import { week } from '../../archive/week.ts';
import type { Database } from '../../db/client.ts';
import { ApiError, notFound } from '../../errors.ts';
import { managementEvent } from '../../events/management-event.ts';
import { decideRange, noneMatch, rangeStillValid } from '../../http/byte-range.ts';
import { recordChange } from '../event-store/index.ts';
import { findArchive } from './archive-rows.ts';
import { archiveFileNames, archiveKeys } from './storage.ts';

const CONTENT_TYPES = { zip: 'application/zip', manifest: 'application/json', signature: 'application/octet-stream' } as const;

export interface ArchiveFileRequest {
  /** Checked claims of the signed link: which file, issued to whom. */
  claims: LinkClaims;
  method: string;
  headers: Headers;
  ip: string | null;
  now: number;
}

/**
 * Serves one file of an archive revision with RFC 9110 conditional and range semantics. Every GET
 * that sends bytes of the ZIP is recorded as one `download` event, a 206 as much as a 200: the
 * whole file can be fetched as `bytes=0-` or in pieces, so a record that skipped ranges could be
 * bypassed at will. HEAD, 304 and 416 send no bytes of it and record nothing. The manifest and the
 * signature hold no events (they are the archive's proof), so fetching them is not recorded.
 */
export async function serveArchiveFile(db: Database, bucket: R2Bucket, request: ArchiveFileRequest): Promise<Response> {
  const { claims } = request;
  const archive = await findArchive(db, claims.organizationId, claims.startDate, claims.revision);
  if (!archive) throw notFound('This archive no longer exists.');
  if (claims.file === 'zip' && archive.expiredAt !== null) {
    throw notFound("This archive's ZIP expired under the organization's archive retention; its manifest and signature remain.");
  }
  const keys = archiveKeys(claims.organizationId, claims.startDate, claims.revision);
  const key = claims.file === 'zip' ? keys.zip : claims.file === 'manifest' ? keys.manifest : keys.signature;
  const stored = await bucket.head(key);
  if (!stored) throw notFound('The archive file is missing from storage.');

  const names = archiveFileNames(claims.startDate, week(claims.startDate).endDate);
  const headers = new Headers({
    'content-type': CONTENT_TYPES[claims.file],
    'content-disposition': `attachment; filename="${names[claims.file]}"`,
    etag: stored.httpEtag,
    'accept-ranges': 'bytes',
    'cache-control': 'private, no-store',
  });
  if (noneMatch(request.headers.get('if-none-match') ?? undefined, stored.httpEtag)) return new Response(null, { status: 304, headers });

  const range = rangeStillValid(request.headers.get('if-range') ?? undefined, stored.httpEtag)
    ? decideRange(request.headers.get('range') ?? undefined, stored.size)
    : ({ kind: 'full' } as const);
  if (range.kind === 'unsatisfiable') {
    throw new ApiError('range-not-satisfiable', `The requested range is outside the file's ${stored.size} bytes.`, undefined, {
      'content-range': `bytes */${stored.size}`,
    });
  }
  const partial = range.kind === 'partial';
  const offset = partial ? range.offset : 0;
  const length = partial ? range.length : stored.size;
  headers.set('content-length', String(length));
  if (partial) headers.set('content-range', `bytes ${offset}-${offset + length - 1}/${stored.size}`);
  const status = partial ? 206 : 200;
  if (request.method === 'HEAD') return new Response(null, { status, headers });

  const object = await bucket.get(key, partial ? { range: { offset, length } } : {});
  if (!object) throw notFound('The archive file is missing from storage.');
  if (claims.file === 'zip') {
    // The served bytes (not the Range as sent, which may overreach or be a suffix), so an auditor
    // can add up what left: `bytes` of the file's `size`, and for a 206 which ones.
    const served = partial ? `bytes=${offset}-${offset + length - 1}` : null;
    const event = managementEvent(
      {
        principal: {
          actor: { type: claims.actorType, id: claims.actorId },
          credential: { type: claims.credentialType, id: claims.credentialId },
        },
        ip: request.ip,
        now: request.now,
      },
      {
        action: 'download',
        objectType: 'audit_log_archive',
        objectName: names.zip,
        message: served
          ? `Downloaded bytes ${offset}-${offset + length - 1} (${length} of ${stored.size}) of the archive of ${claims.startDate} (revision ${claims.revision})`
          : `Downloaded the archive of ${claims.startDate} (revision ${claims.revision})`,
        extra: {
          startDate: claims.startDate,
          revision: claims.revision,
          ...(served ? { range: served } : {}),
          bytes: length,
          size: stored.size,
        },
      },
    );
    await recordChange(db, claims.organizationId, event, request.now);
  }
  return new Response(object.body, { status, headers });
}
