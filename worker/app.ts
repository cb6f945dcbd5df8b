import { HTTPException } from 'hono/http-exception';
import { bodyLimit } from 'hono/body-limit';
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from './app-env';
import { authenticate } from './auth/authenticate';
import { rateLimit } from './auth/rate-limit';
import { database } from './db/client';
import { SESSION_COOKIE } from './auth/session-cookie';
import { AuditEventInput, IngestBatch } from './events/ingest-schema';
import { ApiError, problemResponse } from './errors';
import { createRouter } from './routes/router';
import { OPENAPI_CONFIG, renderApiReference } from './openapi-docs';
import { authRoutes } from './routes/auth';
import { organizationRoutes } from './routes/organizations';
import { instanceRoutes } from './routes/instances';
import { memberRoutes } from './routes/members';
import { apiKeyRoutes } from './routes/api-keys';
import { auditLogReadRoutes, auditLogRoutes } from './routes/audit-logs';
import { archiveRoutes } from './routes/archives';

export type { AppEnv } from './app-env';

const MAX_BODY_BYTES = 1024 * 1024;

const requestContext = createMiddleware<AppEnv>(async (c, next) => {
  c.set('requestId', c.req.header('cf-ray') ?? crypto.randomUUID());
  c.set('db', database(c.env.DB));
  c.set('now', Date.now());
  await next();
  c.header('x-request-id', c.var.requestId);
  c.header('x-content-type-options', 'nosniff');
  c.header('referrer-policy', 'no-referrer');
  // API answers are data, never documents to render or frame (the /api/docs page sets its own policy).
  if (!c.res.headers.has('content-security-policy')) c.header('content-security-policy', "default-src 'none'; frame-ancestors 'none'");
  c.header('x-frame-options', 'DENY');
  c.header('cache-control', c.res.headers.get('cache-control') ?? 'no-store');
});

export function createApp() {
  const app = createRouter();
  app.use('/api/*', requestContext);
  app.use(
    '/api/*',
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: () => {
        throw new ApiError(413, 'body-too-large', `The request body exceeds ${MAX_BODY_BYTES} bytes.`);
      },
    }),
  );
  app.use('/api/*', authenticate);
  app.use('/api/*', rateLimit);

  app.route('/api/v1', authRoutes);
  app.route('/api/v1', organizationRoutes);
  app.route('/api/v1', instanceRoutes);
  app.route('/api/v1', memberRoutes);
  app.route('/api/v1', apiKeyRoutes);
  app.route('/api/v1', auditLogRoutes);
  app.route('/api/v1', auditLogReadRoutes);
  app.route('/api/v1', archiveRoutes);

  // Referenced by the ingest body's anyOf (its validator is a transform, so they are registered by hand).
  app.openAPIRegistry.register('AuditEventInput', AuditEventInput);
  app.openAPIRegistry.register('AuditEventBatch', IngestBatch);
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', { type: 'http', scheme: 'bearer', description: 'API key' });
  app.openAPIRegistry.registerComponent('securitySchemes', 'sessionCookie', { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE });
  app.doc31('/api/openapi.json', OPENAPI_CONFIG);
  app.get('/api/docs', (c) => {
    c.header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'");
    return c.html(renderApiReference(app.getOpenAPI31Document(OPENAPI_CONFIG)));
  });

  // Unknown API paths are a 404 problem, never the dashboard's HTML.
  app.all('/api/*', (c) =>
    problemResponse(404, 'not-found', `No API route for ${c.req.method} ${new URL(c.req.url).pathname}.`, c.var.requestId),
  );
  // Everything else is the dashboard (normally served before the Worker runs; kept for completeness).
  app.all('*', (c) => c.env.ASSETS.fetch(c.req.raw));

  app.onError((error, c) => {
    const requestId = c.var.requestId ?? crypto.randomUUID();
    if (error instanceof ApiError) {
      return problemResponse(error.status, error.slug, error.detail, requestId, { errors: error.errors, headers: error.headers });
    }
    if (error instanceof HTTPException && error.status < 500) {
      // Hono's own 4xx (e.g. malformed JSON, unsupported media type): its message is safe to show.
      const slug = error.status === 400 ? 'malformed-request' : 'http-error';
      return problemResponse(error.status, slug, error.message || 'The request could not be processed.', requestId);
    }
    // Internals stay in the log, keyed by request id; the client gets only the id.
    console.error(JSON.stringify({ requestId, error: error instanceof Error ? (error.stack ?? error.message) : String(error) }));
    return problemResponse(500, 'internal-error', 'An unexpected error occurred. Quote the requestId when reporting it.', requestId);
  });
  return app;
}
