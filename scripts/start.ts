/**
 * `npm start`: local secrets, migrations, dashboard build, a local OpenID provider on :8790
 * (OIDC_PORT) for SSO sign-in, `wrangler dev` on :8787 (PORT), demo seed (with Acme's SSO
 * configuration), and on the first run the demo's first archive run. Everything is local (D1, R2
 * and queues under .wrangler/state); no Cloudflare account is needed.
 */
import { archiveDemoWeeks } from './lib/demo-archive.ts';
import { configureDemoSso } from './lib/demo-sso.ts';
import { applyMigrations, DEV_ARCHIVE_SETTLE_SECONDS, startDevServer } from './lib/dev-server.ts';
import { ensureDevVars } from './lib/dev-vars.ts';
import { DEMO_ACCOUNTS, startOidcProvider } from './lib/oidc-provider.ts';
import { run } from './lib/run.ts';
import { seedDemo } from './lib/seed-demo.ts';
import { oneTimeSignInLink } from './lib/sign-in-link.ts';

const started = Date.now();
const PORT = Number(process.env.PORT ?? 8787);
// Only when asked: wrangler otherwise takes 9229, or a free port when that one is busy.
const INSPECTOR_PORT = process.env.INSPECTOR_PORT ? Number(process.env.INSPECTOR_PORT) : undefined;
const OIDC_PORT = Number(process.env.OIDC_PORT ?? 8790);
const BASE_URL = `http://localhost:${PORT}`;
const log = (line: string) => console.log(`[start] ${line}`);

const { vars, created } = ensureDevVars();
if (created.length > 0) log(`Wrote .dev.vars with new ${created.join(', ')}.`);

// Independent of each other, so they overlap; wrangler's table of migrations is kept quiet.
log('Applying D1 migrations to the local database and building the dashboard (web/build)…');
await Promise.all([applyMigrations({ quiet: true }), run('vite', ['build', 'web', '--logLevel', 'warn'])]);

// The demo people's identity provider (docs/SSO.md), before the Worker that redirects to it.
const provider = await startOidcProvider({
  port: OIDC_PORT,
  redirectUris: [`${BASE_URL}/api/v1/auth/sso/callback`, `http://127.0.0.1:${PORT}/api/v1/auth/sso/callback`],
  accounts: DEMO_ACCOUNTS,
});
log(`Local OpenID provider on ${provider.issuer} (OIDC_PORT).`);

log(`Starting wrangler dev on ${BASE_URL} (cron test route enabled, ARCHIVE_SETTLE_SECONDS=${DEV_ARCHIVE_SETTLE_SECONDS})…`);
const server = await startDevServer({
  port: PORT,
  archiveSettleSeconds: DEV_ARCHIVE_SETTLE_SECONDS,
  // The local provider is plain http on 127.0.0.1: allowed only because this deployment says so.
  vars: { ALLOW_INSECURE_SSO: 'true' },
  output: 'inherit',
  ...(INSPECTOR_PORT ? { inspectorPort: INSPECTOR_PORT } : {}),
}).catch(async (error: unknown) => {
  await provider.stop();
  throw error;
});
const stop = () => {
  void server.stop();
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
server.child.on('exit', (code) => {
  void provider.stop().finally(() => process.exit(code ?? 0));
});

const adminToken = vars.ADMIN_TOKEN;
if (!adminToken) throw new Error('.dev.vars has no ADMIN_TOKEN');
try {
  const demo = await seedDemo(BASE_URL, adminToken, log);
  await configureDemoSso(BASE_URL, demo, provider.issuer, log);
  let archives = 'the demo weeks were archived on the first start; `npm run archive` runs the cron again';
  if (!demo.archivedAt) {
    try {
      const weeks = await archiveDemoWeeks({ baseUrl: BASE_URL, demo, settleSeconds: DEV_ARCHIVE_SETTLE_SECONDS, log });
      archives = `${weeks.length} closed demo week${weeks.length === 1 ? '' : 's'} archived (Archive button)`;
    } catch (error) {
      // The server is still useful without them; the dialog then says they wait for the nightly run.
      console.error('[start] Archiving the demo weeks failed:', error instanceof Error ? error.message : error);
      archives = 'not built yet; run `npm run archive`';
    }
  }
  // A one-time link for alice (15 minutes, single use): the quickest way in, and where she adds a passkey.
  const signInLink = await oneTimeSignInLink(BASE_URL, adminToken, 'alice@example.com');
  const ssoPeople = (['alice', 'bob', 'audra'] as const)
    .map((id) => `${DEMO_ACCOUNTS[id]?.email} (password ${DEMO_ACCOUNTS[id]?.password})`)
    .join(', ');
  console.log(`
  Audit Logs is running (ready in ${((Date.now() - started) / 1000).toFixed(1)} s).

    Dashboard:            ${BASE_URL}
    Demo owner API key:   ${demo.ownerApiKey}
                          (alice@example.com, owner of organization Acme)
    Sign in with SSO:     type ${ssoPeople} on the sign-in page
                          (the local provider's own login page asks for the password)
    Sign in as alice:     ${signInLink}
                          (one-time link, 15 minutes; then add a passkey under Passkeys)
    Weekly archives:      ${archives}
    Admin token:          ADMIN_TOKEN in .dev.vars (creates organizations)

    Try:  curl -H "Authorization: Bearer ${demo.ownerApiKey}" ${BASE_URL}/api/v1/me

  Press Ctrl+C to stop.
`);
} catch (error) {
  console.error('[start] Seeding the demo data failed:', error);
}
