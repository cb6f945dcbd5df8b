/**
 * `npm run archive [-- --timeout SECONDS]`: runs the Worker's daily cron on a running server and
 * returns once every closed week with events, in every organization, has an archive holding all
 * of its events; then lists the archives.
 *
 * The server is `npm start`'s (http://localhost:$PORT, 8787 by default) or any `wrangler dev
 * --test-scheduled` at BASE_URL; the platform admin token comes from ADMIN_TOKEN or .dev.vars.
 */
import { parseArgs } from 'node:util';
import { ApiClient } from './lib/api-client.ts';
import { ArchiveTimeoutError, archiveWeeks } from './lib/archive-run.ts';
import { closedWeeksWithEvents } from './lib/closed-weeks.ts';
import { readDevVars } from './lib/dev-vars.ts';

const BASE_URL = process.env.BASE_URL ?? `http://localhost:${process.env.PORT ?? 8787}`;
const { values } = parseArgs({ options: { timeout: { type: 'string', default: '90' } } });
const timeoutSeconds = Number(values.timeout);

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) fail(`--timeout must be a number of seconds, not "${values.timeout}".`);
const token = process.env.ADMIN_TOKEN ?? readDevVars().ADMIN_TOKEN;
if (!token) fail('No admin token: set ADMIN_TOKEN, or run `npm start` once (it writes one to .dev.vars).');

const client = new ApiClient(BASE_URL, token);
const organizations = await client.get<{ organizations: { id: string; name: string }[] }>('/api/v1/organizations').then(
  (body) => body.organizations,
  (error: unknown) => {
    const reason = error instanceof Error ? error.message : String(error);
    if (reason.includes('→ 401'))
      fail(`${BASE_URL} did not accept the admin token: was the server started with other secrets? Set ADMIN_TOKEN.`);
    fail(`Could not list the organizations at ${BASE_URL} (${reason}): is \`npm start\` running? Set BASE_URL or PORT for another server.`);
  },
);
const names = new Map(organizations.map((organization) => [organization.id, organization.name]));
const weeks = (await Promise.all(organizations.map((organization) => closedWeeksWithEvents(client, organization.id)))).flat();
console.log(
  `${weeks.length} closed week${weeks.length === 1 ? '' : 's'} with events in ${organizations.length} organization${organizations.length === 1 ? '' : 's'}; running the daily cron…`,
);

const started = Date.now();
try {
  const archives = await archiveWeeks({
    baseUrl: BASE_URL,
    client,
    weeks,
    timeoutMs: timeoutSeconds * 1000,
    onProgress: (archived, total) => console.log(`  ${archived}/${total} archived`),
  });
  console.log(`Done in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
  for (const [organizationId, list] of archives) {
    console.log(`\nArchives of ${names.get(organizationId) ?? organizationId} (${list.length}):`);
    for (const archive of list) {
      console.log(
        `  week of ${archive.startDate}  rev ${archive.revision}  ${String(archive.records).padStart(6)} events  ${String(archive.bytes).padStart(9)} bytes  sha256 ${archive.sha256.slice(0, 16)}…`,
      );
    }
  }
} catch (error) {
  fail(
    error instanceof ArchiveTimeoutError ? error.message : `Archiving failed: ${error instanceof Error ? error.message : String(error)}`,
  );
}
