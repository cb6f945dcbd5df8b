import { bodyLimit } from 'hono/body-limit';
import { SESSION_COOKIE } from './auth/session-cookie';
import { AuditEventInput, IngestBatch } from './contract/ingest';
import { ApiError, problemResponse } from './errors';
import { authenticate } from './middleware/authenticate';
import { databaseSessions } from './middleware/database-sessions';
import { onError } from './middleware/on-error';
import { rateLimit } from './middleware/rate-limit';
import { requestContext } from './middleware/request-context';
import { webhookNudge } from './middleware/webhook-nudge';
import { OPENAPI_CONFIG, renderApiReference } from './openapi-docs';
import { apiKeyRoutes } from './routes/api-keys';
import { archiveRoutes } from './routes/archives';
import { auditLogFacetRoutes } from './routes/audit-log-facets';
import { auditLogHistogramRoutes } from './routes/audit-log-histogram';
import { auditLogStreamRoutes } from './routes/audit-log-stream';
import { auditLogReadRoutes, auditLogRoutes } from './routes/audit-logs';
import { extensionRoutes } from './routes/extension-audit-records';
import { authRoutes } from './routes/auth';
import { instanceRoutes } from './routes/instances';
import { memberRoutes } from './routes/members';
import { notificationConfigRoutes } from './routes/notification-configs';
import { notificationDeliveryRoutes } from './routes/notification-deliveries';
import { organizationRoutes } from './routes/organizations';
import { createRouter } from './routes/router';
import { settingsRoutes } from './routes/settings';

export type { AppEnv } from './middleware/app-env';

const MAX_BODY_BYTES = 1024 * 1024;

export function createApp() {
  const app = createRouter();
  // The API and Akuity's UI-extension API share every middleware.
  for (const prefix of ['/api/*', '/ext-api/*']) {
    app.use(prefix, requestContext);
    // After a successful write, organizations with an active webhook are nudged (docs/WEBHOOKS.md).
    // Outside databaseSessions, so the nudge goes out after the request's queued events (control-data
    // changes, e.g. a webhook's own creation) are stored in the shard the dispatcher reads.
    if (prefix === '/api/*') app.use(prefix, webhookNudge);
    app.use(prefix, databaseSessions);
    app.use(
      prefix,
      bodyLimit({
        maxSize: MAX_BODY_BYTES,
        onError: () => {
          throw new ApiError('body-too-large', `The request body exceeds ${MAX_BODY_BYTES} bytes.`);
        },
      }),
    );
    app.use(prefix, authenticate);
    app.use(prefix, rateLimit);
  }

  app.route('/api/v1', authRoutes);
  app.route('/api/v1', organizationRoutes);
  app.route('/api/v1', instanceRoutes);
  app.route('/api/v1', memberRoutes);
  app.route('/api/v1', apiKeyRoutes);
  app.route('/api/v1', auditLogRoutes);
  app.route('/api/v1', auditLogReadRoutes);
  app.route('/api/v1', auditLogHistogramRoutes);
  app.route('/api/v1', auditLogStreamRoutes);
  app.route('/api/v1', auditLogFacetRoutes);
  app.route('/api/v1', archiveRoutes);
  app.route('/api/v1', settingsRoutes);
  app.route('/ext-api/v1', extensionRoutes);
  app.route('/api/v1', notificationConfigRoutes);
  app.route('/api/v1', notificationDeliveryRoutes);

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
    problemResponse('not-found', `No API route for ${c.req.method} ${new URL(c.req.url).pathname}.`, c.var.requestId),
  );
  // Everything else is the dashboard (normally served before the Worker runs; kept for completeness).
  app.all('*', (c) => c.env.ASSETS.fetch(c.req.raw));

  app.onError(onError);
  return app;
}
