/**
 * `npm start`: local secrets, migrations, dashboard build, `wrangler dev` on :8787, demo seed.
 * Everything is local (D1, R2 and queues under .wrangler/state); no Cloudflare account is needed.
 */
import { ensureDevVars } from './lib/dev-vars.ts';
import { run, startBackground, waitForServer } from './lib/run.ts';
import { seedDemo } from './lib/seed-demo.ts';

const PORT = Number(process.env.PORT ?? 8787);
const BASE_URL = `http://localhost:${PORT}`;
const log = (line: string) => console.log(`[start] ${line}`);

const { vars, created } = ensureDevVars();
if (created.length > 0) log(`Wrote .dev.vars with new ${created.join(', ')}.`);

log('Applying D1 migrations to the local database…');
await run('wrangler', ['d1', 'migrations', 'apply', 'DB', '--local']);
log('Building the dashboard (web/build)…');
await run('vite', ['build', 'web', '--logLevel', 'warn']);

log(`Starting wrangler dev on ${BASE_URL} (cron test route enabled)…`);
const server = startBackground('wrangler', [
  'dev',
  '--port',
  String(PORT),
  '--ip',
  '127.0.0.1',
  '--test-scheduled',
  '--show-interactive-dev-session=false',
]);
const stop = () => {
  server.kill('SIGTERM');
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
server.on('exit', (code) => process.exit(code ?? 0));

await waitForServer(`${BASE_URL}/api/v1/me`);
const adminToken = vars.ADMIN_TOKEN;
if (!adminToken) throw new Error('.dev.vars has no ADMIN_TOKEN');
try {
  const demo = await seedDemo(BASE_URL, adminToken, log);
  console.log(`
  Audit Logs is running.

    Dashboard:            ${BASE_URL}
    Demo owner API key:   ${demo.ownerApiKey}
                          (alice@example.com, owner of organization Acme)
    Admin token:          ADMIN_TOKEN in .dev.vars (creates organizations)

    Try:  curl -H "Authorization: Bearer ${demo.ownerApiKey}" ${BASE_URL}/api/v1/me

  Press Ctrl+C to stop.
`);
} catch (error) {
  console.error('[start] Seeding the demo data failed:', error);
}
