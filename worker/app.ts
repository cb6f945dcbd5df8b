import { bodyLimit } from 'hono/body-limit';
import { SESSION_COOKIE } from './auth/session-cookie.ts';
import { AuditEventInput, IngestBatch } from './contract/ingest.ts';
import { ApiError, problemResponse } from './errors.ts';
import { authenticate } from './middleware/authenticate.ts';
import { deliverChangeEvents } from './middleware/change-events.ts';
import { deliveryNudge } from './middleware/delivery-nudge.ts';
import { onError } from './middleware/on-error.ts';
import { rateLimit } from './middleware/rate-limit.ts';
import { databaseSessions } from './middleware/read-replication.ts';
import { requestContext } from './middleware/request-context.ts';
import { OPENAPI_CONFIG, renderApiReference } from './openapi-docs.ts';
import { apiKeyRoutes } from './routes/api-keys.ts';
import { archiveRoutes } from './routes/archives.ts';
import { auditLogFacetRoutes } from './routes/audit-log-facets.ts';
import { auditLogHistogramRoutes } from './routes/audit-log-histogram.ts';
import { auditLogStreamRoutes } from './routes/audit-log-stream.ts';
import { auditLogRoutes } from './routes/audit-logs.ts';
import { authRoutes } from './routes/auth.ts';
import { checkpointRoutes } from './routes/checkpoints.ts';
import { extensionRoutes } from './routes/extension-audit-records.ts';
import { ingestRoutes } from './routes/ingest.ts';
import { instanceRoutes } from './routes/instances.ts';
import { invitationAcceptRoutes } from './routes/invitation-accept.ts';
import { invitationRoutes } from './routes/invitations.ts';
import { logStreamRoutes } from './routes/log-streams.ts';
import { memberRoutes } from './routes/members.ts';
import { myPasskeyRoutes } from './routes/my-passkeys.ts';
import { notificationConfigRoutes } from './routes/notification-configs.ts';
import { notificationDeliveryRoutes } from './routes/notification-deliveries.ts';
import { organizationMoveRoutes } from './routes/organization-move.ts';
import { organizationRestoreRoutes } from './routes/organization-restore.ts';
import { organizationRoutes } from './routes/organizations.ts';
import { passkeySignInRoutes } from './routes/passkeys.ts';
import { createRouter } from './routes/router.ts';
import { savedViewRoutes } from './routes/saved-views.ts';
import { sessionRoutes } from './routes/sessions.ts';
import { settingsRoutes } from './routes/settings.ts';
import { signInLinkRoutes } from './routes/sign-in-links.ts';
import { ssoConfigurationRoutes } from './routes/sso-configuration.ts';
import { ssoSignInRoutes } from './routes/sso-sign-in.ts';

const MAX_BODY_BYTES = 1024 * 1024;

export function createApp() {
  const app = createRouter();
  // The API and Akuity's UI-extension API share every middleware.
  for (const prefix of ['/api/*', '/ext-api/*']) {
    app.use(prefix, requestContext);
    // After a successful write, organizations' webhooks are nudged and log streams woken (docs/WEBHOOKS.md,
    // docs/STREAMS.md). Outside deliverChangeEvents, so the nudge goes out after the request's queued events
    // (control-data changes, e.g. a webhook's own creation) are stored in the shard the dispatcher reads.
    if (prefix === '/api/*') app.use(prefix, deliveryNudge);
    app.use(prefix, databaseSessions);
    // Inside databaseSessions (it needs the request's databases, and the bookmarks it hands back
    // must cover the events it moves), outside everything that may change control data.
    app.use(prefix, deliverChangeEvents);
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
  app.route('/api/v1', sessionRoutes);
  app.route('/api/v1', organizationRoutes);
  app.route('/api/v1', organizationMoveRoutes);
  app.route('/api/v1', instanceRoutes);
  app.route('/api/v1', memberRoutes);
  app.route('/api/v1', apiKeyRoutes);
  app.route('/api/v1', ingestRoutes);
  app.route('/api/v1', auditLogRoutes);
  app.route('/api/v1', auditLogHistogramRoutes);
  app.route('/api/v1', auditLogStreamRoutes);
  app.route('/api/v1', checkpointRoutes);
  app.route('/api/v1', auditLogFacetRoutes);
  app.route('/api/v1', archiveRoutes);
  app.route('/api/v1', settingsRoutes);
  app.route('/ext-api/v1', extensionRoutes);
  app.route('/api/v1', notificationConfigRoutes);
  app.route('/api/v1', notificationDeliveryRoutes);
  app.route('/api/v1', logStreamRoutes);
  app.route('/api/v1', ssoSignInRoutes);
  app.route('/api/v1', ssoConfigurationRoutes);
  // People sign in as themselves (docs/ARCHITECTURE.md, "Sign-in"): invitations, passkeys, sign-in links.
  app.route('/api/v1', invitationRoutes);
  app.route('/api/v1', invitationAcceptRoutes);
  app.route('/api/v1', passkeySignInRoutes);
  app.route('/api/v1', myPasskeyRoutes);
  app.route('/api/v1', signInLinkRoutes);
  app.route('/api/v1', organizationRestoreRoutes);
  app.route('/api/v1', savedViewRoutes);

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
