import { createRoute, z } from '@hono/zod-openapi';
import { OWNERS, requireOrgRole, requirePrincipal } from '../auth/authenticate';
import { importSigningKey, publicKeyOf, type PublicKeyDocument } from '../archive/manifest';
import { checkLink, LINK_TTL_SECONDS, signLink, type LinkFile } from '../archive/signed-link';
import { dateMs, dateParts, dateString, DAY_MS, week } from '../archive/week';
import { badRequest, forbidden, notFound } from '../errors';
import { managementEvent } from '../events/management-event';
import { recordChange } from '../services/audit-events';
import { archiveFileNames, archiveKeys, getArchiveObject } from '../services/archive-storage';
import { findArchive, listArchives } from '../services/archives';
import { OrgParams, security } from './params';
import { commonProblems, jsonResponse } from './responses';
import { createRouter } from './router';

const DateParts = z.object({ year: z.number().int(), month: z.number().int(), day: z.number().int() });
const Archive = z
  .object({
    startDate: DateParts,
    endDate: DateParts,
    presignedUrl: z.string().openapi({ description: 'Absolute, signed link to the ZIP; valid 15 minutes; needs no other credential' }),
    presignedUrlExpiration: z.string(),
    records: z.number().int(),
    bytes: z.number().int(),
    sha256: z.string(),
    revision: z.number().int(),
    manifestUrl: z.string(),
    signatureUrl: z.string(),
  })
  .openapi('AuditLogArchive');

const isoDate = (name: string) =>
  z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'Use YYYY-MM-DD')
    .refine(
      (value) => !Number.isNaN(Date.parse(`${value}T00:00:00Z`)) && dateString(Date.parse(`${value}T00:00:00Z`)) === value,
      'Not a calendar date',
    )
    .optional()
    .openapi({ param: { name, in: 'query' } });

const ListQuery = z.object({
  'filters.startDate': isoDate('filters.startDate').openapi({ description: 'Weeks that end on or after this date' }),
  'filters.endDate': isoDate('filters.endDate').openapi({ description: 'Weeks that start on or before this date' }),
  'filters.limit': z.coerce
    .number()
    .int()
    .min(1)
    .max(1000)
    .default(50)
    .openapi({ param: { name: 'filters.limit', in: 'query' } }),
  'filters.offset': z.coerce
    .number()
    .int()
    .min(0)
    .default(0)
    .openapi({ param: { name: 'filters.offset', in: 'query' } }),
});

const DownloadParams = z.object({
  orgId: z
    .string()
    .min(1)
    .max(256)
    .openapi({ param: { name: 'orgId', in: 'path' } }),
  startDate: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/)
    .openapi({ param: { name: 'startDate', in: 'path' } }),
  revision: z.coerce
    .number()
    .int()
    .min(1)
    .max(1_000_000)
    .openapi({ param: { name: 'revision', in: 'path' } }),
  file: z.enum(['zip', 'manifest', 'signature']).openapi({ param: { name: 'file', in: 'path' } }),
});
const DownloadQuery = z.object({
  expires: z.coerce
    .number()
    .int()
    .openapi({ param: { name: 'expires', in: 'query' } }),
  actorType: z.enum(['user', 'api_key', 'system']).openapi({ param: { name: 'actorType', in: 'query' } }),
  actorId: z
    .string()
    .min(1)
    .max(256)
    .openapi({ param: { name: 'actorId', in: 'query' } }),
  signature: z
    .string()
    .min(1)
    .max(128)
    .openapi({ param: { name: 'signature', in: 'query' } }),
});

let cachedPublicKey: { secret: string; document: PublicKeyDocument } | null = null;
async function publicKey(secret: string): Promise<PublicKeyDocument> {
  if (cachedPublicKey?.secret !== secret) cachedPublicKey = { secret, document: await publicKeyOf(await importSigningKey(secret)) };
  return cachedPublicKey.document;
}

const CONTENT_TYPES: Record<LinkFile, string> = {
  zip: 'application/zip',
  manifest: 'application/json',
  signature: 'application/octet-stream',
};

export const archiveRoutes = createRouter()
  .openapi(
    createRoute({
      method: 'get',
      path: '/organizations/{orgId}/audit-logs-archives',
      tags: ['Archives'],
      summary: 'Weekly archives (latest revision of each week), newest week first, with signed download links (owners only)',
      security,
      request: { params: OrgParams, query: ListQuery },
      responses: {
        200: jsonResponse(z.object({ archives: z.array(Archive), totalArchivesCount: z.number().int() }), 'Archives'),
        ...commonProblems,
      },
    }),
    async (c) => {
      const { orgId } = c.req.valid('param');
      requireOrgRole(c, orgId, OWNERS);
      const principal = requirePrincipal(c);
      const query = c.req.valid('query');
      const start = query['filters.startDate'];
      const end = query['filters.endDate'];
      if (start && end && start > end) throw badRequest('filters.startDate is after filters.endDate.');
      const { rows, total } = await listArchives(c.var.db, orgId, {
        // A week overlaps [start, end] when it starts at most six days before start, and not after end.
        minStartDate: start ? dateString(dateMs(start) - 6 * DAY_MS) : null,
        maxStartDate: end ?? null,
        limit: query['filters.limit'],
        offset: query['filters.offset'],
      });
      const origin = new URL(c.req.url).origin;
      const expires = Math.floor(c.var.now / 1000) + LINK_TTL_SECONDS;
      const link = (row: (typeof rows)[number], file: LinkFile) =>
        signLink(origin, c.env.LINK_SIGNING_SECRET, {
          organizationId: orgId,
          startDate: row.startDate,
          revision: row.revision,
          file,
          expires,
          actorType: principal.actor.type,
          actorId: principal.actor.id,
        });
      const items = await Promise.all(
        rows.map(async (row) => ({
          startDate: dateParts(row.startDate),
          endDate: dateParts(week(row.startDate).endDate),
          presignedUrl: await link(row, 'zip'),
          presignedUrlExpiration: new Date(expires * 1000).toISOString(),
          records: row.records,
          bytes: row.bytes,
          sha256: row.sha256,
          revision: row.revision,
          manifestUrl: await link(row, 'manifest'),
          signatureUrl: await link(row, 'signature'),
        })),
      );
      return c.json({ archives: items, totalArchivesCount: total }, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/audit-logs-archives/public-key',
      tags: ['Archives'],
      summary: 'The Ed25519 public key that verifies archive manifests',
      security: [],
      responses: {
        200: jsonResponse(
          z.object({ pem: z.string(), jwk: z.object({ kty: z.literal('OKP'), crv: z.literal('Ed25519'), x: z.string() }) }),
          'PEM (SPKI) and JWK',
        ),
      },
    }),
    async (c) => c.json(await publicKey(c.env.ARCHIVE_SIGNING_KEY), 200),
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/archive-downloads/{orgId}/{startDate}/{revision}/{file}',
      tags: ['Archives'],
      summary:
        'Target of presignedUrl / manifestUrl / signatureUrl: the HMAC signature in the query is the credential (Range and ETag supported)',
      security: [],
      request: { params: DownloadParams, query: DownloadQuery },
      responses: {
        200: {
          description: 'The file',
          content: {
            'application/zip': { schema: z.string() },
            'application/json': { schema: z.string() },
            'application/octet-stream': { schema: z.string() },
          },
        },
        206: { description: 'A byte range of the file' },
        304: { description: 'Not modified (If-None-Match)' },
        403: commonProblems[403],
        404: commonProblems[404],
      },
    }),
    async (c) => {
      const params = c.req.valid('param');
      const query = c.req.valid('query');
      const claims = {
        organizationId: params.orgId,
        startDate: params.startDate,
        revision: params.revision,
        file: params.file,
        expires: query.expires,
        actorType: query.actorType,
        actorId: query.actorId,
      };
      const verdict = await checkLink(c.env.LINK_SIGNING_SECRET, claims, query.signature, Math.floor(c.var.now / 1000));
      if (!verdict.ok) throw forbidden(verdict.reason);
      const archive = await findArchive(c.var.db, params.orgId, params.startDate, params.revision);
      if (!archive) throw notFound('This archive no longer exists.');
      const keys = archiveKeys(params.orgId, params.startDate, params.revision);
      const key = params.file === 'zip' ? keys.zip : params.file === 'manifest' ? keys.manifest : keys.signature;
      const object = await getArchiveObject(c.env.ARCHIVES, key, c.req.raw.headers);
      if (!object) throw notFound('The archive file is missing from storage.');
      const headers = new Headers();
      object.writeHttpMetadata(headers);
      const names = archiveFileNames(params.startDate, week(params.startDate).endDate);
      headers.set('content-type', CONTENT_TYPES[params.file]);
      headers.set('content-disposition', `attachment; filename="${names[params.file]}"`);
      headers.set('etag', object.httpEtag);
      headers.set('accept-ranges', 'bytes');
      headers.set('cache-control', 'private, no-store');
      if (!('body' in object)) {
        // onlyIf failed: If-None-Match matched (304) or another precondition failed (412).
        const status = c.req.header('if-none-match') ? 304 : 412;
        return new Response(null, { status, headers });
      }
      const range = object.range && 'offset' in object.range ? object.range : null;
      const partial = c.req.header('range') !== undefined && range !== null;
      const offset = partial ? (range?.offset ?? 0) : 0;
      const length = partial ? (range?.length ?? object.size - offset) : object.size;
      headers.set('content-length', String(length));
      if (partial) headers.set('content-range', `bytes ${offset}-${offset + length - 1}/${object.size}`);
      if (params.file === 'zip' && offset === 0) {
        const event = managementEvent(
          { actor: { type: claims.actorType, id: claims.actorId } },
          c.req.header('cf-connecting-ip') ?? null,
          {
            action: 'download',
            objectType: 'audit_log_archive',
            objectName: names.zip,
            message: `Downloaded the archive of ${params.startDate} (revision ${params.revision})`,
            extra: { startDate: params.startDate, revision: params.revision },
          },
          c.var.now,
        );
        await recordChange(c.var.db, params.orgId, event, c.var.now);
      }
      return new Response(object.body, { status: partial ? 206 : 200, headers });
    },
  );
