/**
 * Layers of the Worker, bottom to top (an import may only point down or sideways):
 *   0 env.ts, config.ts, errors.ts, hex.ts, queue-batches.ts, contract/ (types, zod schemas, settings, tiny helpers)
 *   1 db/                                        (Drizzle schema and client)
 *   2 auth/, events/, archive/, http/, webhooks/, streams/ (pure domain code)
 *   3 services/<domain>/                         (all SQL and R2 work; each domain's index.ts is its door)
 *   4 middleware/                                (authentication, access, request context)
 *   5 routes/, jobs/                             (HTTP routers, cron and queue handlers)
 *   6 app.ts, openapi-docs.ts                    (the Hono app)
 *   7 index.ts                                   (the entry: fetch, scheduled, queue)
 * docs/ARCHITECTURE.md explains each layer. `npm run check:imports` enforces this file.
 */
const layer = {
  base: '^worker/(env|config|errors|hex|queue-batches)\\.ts$|^worker/contract/',
  db: '^worker/db/',
  domain: '^worker/(auth|events|archive|http|webhooks|streams)/',
  services: '^worker/services/',
  middleware: '^worker/middleware/',
  handlers: '^worker/(routes|jobs)/',
  app: '^worker/(app|openapi-docs)\\.ts$',
  entry: '^worker/index\\.ts$',
};
const above = (...names) => names.map((name) => layer[name]).join('|');

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', comment: 'Import cycles make layers meaningless.', from: {}, to: { circular: true } },
    {
      name: 'base-imports-nothing-above',
      severity: 'error',
      from: { path: layer.base },
      to: { path: above('db', 'domain', 'services', 'middleware', 'handlers', 'app', 'entry') },
    },
    {
      name: 'db-below-domain',
      severity: 'error',
      from: { path: layer.db },
      to: { path: above('domain', 'services', 'middleware', 'handlers', 'app', 'entry') },
    },
    {
      name: 'domain-below-services',
      severity: 'error',
      from: { path: layer.domain },
      to: { path: above('services', 'middleware', 'handlers', 'app', 'entry') },
    },
    {
      name: 'services-below-middleware',
      severity: 'error',
      from: { path: layer.services },
      to: { path: above('middleware', 'handlers', 'app', 'entry') },
    },
    {
      name: 'middleware-below-handlers',
      severity: 'error',
      from: { path: layer.middleware },
      to: { path: above('handlers', 'app', 'entry') },
    },
    { name: 'handlers-below-app', severity: 'error', from: { path: layer.handlers }, to: { path: above('app', 'entry') } },
    { name: 'routes-and-jobs-apart', severity: 'error', from: { path: '^worker/routes/' }, to: { path: '^worker/jobs/' } },
    { name: 'jobs-and-routes-apart', severity: 'error', from: { path: '^worker/jobs/' }, to: { path: '^worker/routes/' } },
    {
      name: 'service-folders-meet-at-their-index',
      severity: 'error',
      comment:
        'worker/services/ is grouped by domain (ingest, query, archive, webhooks, access, organizations, event-store); ' +
        "code outside a domain folder uses what the folder's index.ts exports, never a file behind it (tests may).",
      from: { path: '^worker/', pathNot: '^worker/services/([^/]+)/' },
      to: { path: '^worker/services/[^/]+/(?!index\\.ts$)' },
    },
    {
      name: 'service-folders-apart',
      severity: 'error',
      comment: "A domain folder reaches another domain's code through that folder's index.ts only.",
      from: { path: '^worker/services/([^/]+)/' },
      to: { path: '^worker/services/[^/]+/(?!index\\.ts$)', pathNot: '^worker/services/$1/' },
    },
    { name: 'app-below-entry', severity: 'error', from: { path: layer.app }, to: { path: layer.entry } },
    {
      name: 'worker-never-imports-outside',
      severity: 'error',
      comment: 'The Worker bundle holds only worker/ and packages.',
      from: { path: '^worker/' },
      to: { path: '^(web|scripts|test|bench)/' },
    },
    {
      name: 'web-sees-only-the-contract',
      severity: 'error',
      comment: 'The dashboard takes the API types from worker/contract, type-only, and nothing else of the Worker.',
      from: { path: '^web/' },
      to: { path: '^worker/', pathNot: '^worker/contract/' },
    },
    {
      name: 'web-imports-contract-types-only',
      severity: 'error',
      from: { path: '^web/' },
      to: { path: '^worker/contract/', dependencyTypesNot: ['type-only'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.svelte'] },
    exclude: { path: '(^|/)(node_modules|\\.svelte-kit|build)/' },
  },
};
