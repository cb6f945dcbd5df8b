import { createRoute, z } from '@hono/zod-openapi';
import { checkLink } from '../archive/signed-link.ts';
import { ArchiveListQuery, ArchiveListSchema, CalendarDate, PublicKeySchema } from '../contract/archive.ts';
import { CREDENTIAL_TYPES } from '../contract/enums.ts';
import { integerParameter } from '../contract/integer-parameter.ts';
import { forbidden } from '../errors.ts';
import { AUDIT_READERS, orgAccess } from '../middleware/access.ts';
import { canonicalQuery } from '../middleware/canonical-query.ts';
import { archivePublicKey, listArchivesWithLinks, serveArchiveFile } from '../services/archive/index.ts';
import { clientIp, OrgParams, security } from './params.ts';
import { commonProblems, jsonResponse } from './responses.ts';
import { createRouter } from './router.ts';

const DownloadParams = z.object({
  orgId: z
    .string()
    .min(1)
    .max(256)
    .openapi({ param: { name: 'orgId', in: 'path' } }),
  startDate: CalendarDate.openapi({ param: { name: 'startDate', in: 'path' } }),
  revision: integerParameter(1, 1_000_000).openapi({ param: { name: 'revision', in: 'path' } }),
  file: z.enum(['zip', 'manifest', 'signature']).openapi({ param: { name: 'file', in: 'path' } }),
});
const DownloadQuery = z.object({
  expires: integerParameter(0, Number.MAX_SAFE_INTEGER).openapi({ param: { name: 'expires', in: 'query' } }),
  actorType: z.enum(['user', 'api_key', 'system']).openapi({ param: { name: 'actorType', in: 'query' } }),
  actorId: z
    .string()
    .min(1)
    .max(256)
    .openapi({ param: { name: 'actorId', in: 'query' } }),
  credentialType: z.enum(CREDENTIAL_TYPES).openapi({ param: { name: 'credentialType', in: 'query' } }),
  credentialId: z
    .string()
    .min(1)
    .max(256)
    .openapi({ param: { name: 'credentialId', in: 'query' } }),
  signature: z
    .string()
    .min(1)
    .max(128)
    .openapi({ param: { name: 'signature', in: 'query' } }),
});

export const archiveRoutes = createRouter()
  .openapi(
    createRoute({
      method: 'get',
      path: '/organizations/{orgId}/audit-logs-archives',
      tags: ['Archives'],
      summary: 'Weekly archives (latest revision of each week), newest week first, with signed download links (owners only)',
      security,
      middleware: [orgAccess(AUDIT_READERS), canonicalQuery(ArchiveListQuery)] as const,
      request: { params: OrgParams, query: ArchiveListQuery },
      responses: { 200: jsonResponse(ArchiveListSchema, 'Archives'), ...commonProblems },
    }),
    async (c) => {
      const { orgId } = c.req.valid('param');
      const query = c.var.query;
      const list = await listArchivesWithLinks(
        c.var.shardDb,
        orgId,
        {
          startDate: query['filters.startDate'],
          endDate: query['filters.endDate'],
          limit: query['filters.limit'],
          offset: query['filters.offset'],
        },
        {
          origin: new URL(c.req.url).origin,
          secret: c.env.LINK_SIGNING_SECRET,
          actor: c.var.caller.actor,
          credential: c.var.caller.credential,
          now: c.var.now,
        },
      );
      return c.json(list, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/audit-logs-archives/public-key',
      tags: ['Archives'],
      summary: 'The Ed25519 public key that verifies archive manifests',
      security: [],
      responses: { 200: jsonResponse(PublicKeySchema, 'PEM (SPKI) and JWK') },
    }),
    async (c) => c.json(await archivePublicKey(c.env.ARCHIVE_SIGNING_KEY), 200),
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/archive-downloads/{orgId}/{startDate}/{revision}/{file}',
      tags: ['Archives'],
      summary:
        'Target of presignedUrl / manifestUrl / signatureUrl: the HMAC signature in the query is the credential (Range, If-Range and ETag supported); every GET that sends ZIP bytes (200 or 206) is recorded as a download event',
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
        400: commonProblems[400],
        403: commonProblems[403],
        404: commonProblems[404],
        416: { description: 'Range not satisfiable (Content-Range: bytes */<size>)' },
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
        credentialType: query.credentialType,
        credentialId: query.credentialId,
      };
      const verdict = await checkLink(c.env.LINK_SIGNING_SECRET, claims, query.signature, Math.floor(c.var.now / 1000));
      if (!verdict.ok) throw forbidden(verdict.reason);
      return serveArchiveFile(await c.var.shardDbFor(claims.organizationId), c.env.ARCHIVES, {
        claims,
        method: c.req.method,
        headers: c.req.raw.headers,
        ip: clientIp(c),
        now: c.var.now,
      });
    },
  );
