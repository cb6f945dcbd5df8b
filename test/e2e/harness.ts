/**
 * Browser-test harness: a private `wrangler dev` (own port, own persist dir, own secrets) started
 * and seeded the way a first `npm start` does it, through the same code in scripts/lib, plus a
 * headless Debian Chromium driven by playwright-core.
 *
 * Runs under Node's built-in test runner with type stripping, so only erasable TypeScript here
 * (no enums, no parameter properties, type-only imports marked `type`).
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { ApiClient } from '../../scripts/lib/api-client.ts';
import type { ClosedWeek } from '../../scripts/lib/closed-weeks.ts';
import { archiveDemoWeeks } from '../../scripts/lib/demo-archive.ts';
import { applyMigrations, DEV_ARCHIVE_SETTLE_SECONDS, type DevServer, startDevServer } from '../../scripts/lib/dev-server.ts';
import { DAY_MS, WEEK_MS, weekStartOf } from '../../scripts/lib/iso-week.ts';
import { ROOT } from '../../scripts/lib/run.ts';
import { seedDemo } from '../../scripts/lib/seed-demo.ts';
import type { CreatedOrganization } from '../../worker/contract/index.ts';

export { ROOT };
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SKIP_MESSAGE = 'SKIPPED: no Chromium (apt-get install chromium)';

const log = (line: string) => console.log(`[e2e] ${line}`);

export function hasChromium(): boolean {
  return existsSync(CHROMIUM_PATH);
}

export function hasBuiltDashboard(): boolean {
  return existsSync(join(ROOT, 'web/build/index.html'));
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

export interface Seed {
  owner: { email: string; apiKey: string };
  /**
   * In the switcher's (alphabetical) order. Acme is the demo organization exactly as a first
   * `npm start` leaves it; Globex has events of the current week only; Initech has events of
   * closed weeks that arrived after the archive run.
   */
  orgs: { id: string; name: string; apiKey: string }[];
  instances: { production: string; staging: string; delivery: string; edge: string };
  memberApiKey: string;
  /** An actor with events in the last 7 days, for the filter test. */
  filterActor: { id: string };
  /** Acme's closed weeks with events (newest first), archived before the first test runs. */
  archivedWeeks: ClosedWeek[];
  /** Initech's closed weeks with events, which wait for the next archive run. */
  unarchived: { weeks: number; events: number };
}

export interface Harness {
  baseUrl: string;
  /** The platform admin token (creates organizations, backfills history up to an organization's hot retention). */
  adminToken: string;
  seed: Seed;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.unref();
    server.on('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') done(address.port);
        else fail(new Error('no port'));
      });
    });
  });
}

export async function startHarness(): Promise<Harness> {
  const started = Date.now();
  const port = await freePort();
  const persistDir = join(ROOT, `.wrangler/e2e-${randomBytes(6).toString('hex')}`);
  mkdirSync(persistDir, { recursive: true });
  const adminToken = `adm_${randomBytes(24).toString('base64url')}`;
  const signingKey = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64');

  // The server's state goes with this process however that ends (the server itself is ended by
  // dev-server.ts); an interrupted run leaves nothing behind.
  const removeState = () => rmSync(persistDir, { recursive: true, force: true });
  process.once('exit', removeState);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

  let server: DevServer | null = null;
  const stop = async () => {
    await server?.stop();
    removeState();
  };
  try {
    await applyMigrations({ persistTo: persistDir, quiet: true });
    server = await startDevServer({
      port,
      persistTo: persistDir,
      archiveSettleSeconds: DEV_ARCHIVE_SETTLE_SECONDS,
      vars: {
        ADMIN_TOKEN: adminToken,
        ARCHIVE_SIGNING_KEY: signingKey,
        LINK_SIGNING_SECRET: randomBytes(32).toString('base64url'),
        WEBHOOK_SECRET_KEY: randomBytes(32).toString('base64'),
      },
      // Webhook retries after 1 s, 2 s, 4 s … instead of 30 s: the receiver that fails twice settles quickly.
      webhookRetryBaseSeconds: 1,
      output: 'capture',
      detached: true,
      logLevel: 'warn',
    });
    log(`wrangler dev up on ${server.baseUrl} in ${Math.round((Date.now() - started) / 1000)} s`);
    const seed = await seedData(server.baseUrl, adminToken, join(persistDir, 'demo-seed.json'));
    log(`seeded, ${seed.archivedWeeks.length} demo weeks archived, in ${Math.round((Date.now() - started) / 1000)} s`);
    return { baseUrl: server.baseUrl, adminToken, seed, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

const OWNER = { email: 'alice@example.com', name: 'Alice Anders' };

async function seedData(baseUrl: string, adminToken: string, demoStateFile: string): Promise<Seed> {
  const admin = new ApiClient(baseUrl, adminToken);
  // Acme is what a first `npm start` makes: the demo seed, then its first archive run.
  const demo = await seedDemo(baseUrl, adminToken, log, demoStateFile);
  const archiving = archiveDemoWeeks({ baseUrl, demo, settleSeconds: DEV_ARCHIVE_SETTLE_SECONDS, stateFile: demoStateFile, log });
  // Awaited below; this only keeps an early failure from being reported as unhandled meanwhile.
  archiving.catch(() => undefined);

  // While that waits out the settle time, the fixtures of the other tests.
  const acmeId = demo.organizationId;
  const owner = new ApiClient(baseUrl, demo.ownerApiKey);
  const { instances } = await owner.get<{ instances: { id: string; name: string }[] }>(`/api/v1/organizations/${acmeId}/instances`);
  const instanceId = (name: string): string => {
    const found = instances.find((instance) => instance.name === name);
    if (!found) throw new Error(`the demo seed made no instance "${name}"`);
    return found.id;
  };
  const createInstance = async (orgId: string, type: 'argocd' | 'kargo', name: string) =>
    (await admin.post<{ id: string }>(`/api/v1/organizations/${orgId}/instances`, { type, name })).body.id;
  // A key acting for the owner but limited to the member role: its session sees the 403 page.
  const member = await owner.post<{ secret: string }>(`/api/v1/organizations/${acmeId}/api-keys`, { name: 'Member key', role: 'member' });
  // The same owner email again: one user in three organizations, so the switcher has a choice.
  // Each organization has its own owner key: a key acts in its own organization only.
  const createOrg = async (name: string) => {
    const { body } = await admin.post<CreatedOrganization>('/api/v1/organizations', { name, owner: OWNER });
    return { ...body.organization, apiKey: body.ownerApiKey };
  };
  const globex = await createOrg('Globex');
  const initech = await createOrg('Initech');
  const seededInstances = {
    production: instanceId('production'),
    staging: await createInstance(acmeId, 'argocd', 'staging'),
    delivery: instanceId('delivery'),
    edge: await createInstance(globex.id, 'argocd', 'edge'),
  };
  const now = Date.now();
  const thisWeek = weekStartOf(now);
  await admin.post(`/api/v1/organizations/${globex.id}/audit-logs`, {
    items: [
      {
        instanceId: seededInstances.edge,
        // Within the current week even just after Monday 00:00 UTC: Globex has no closed week.
        timestamp: new Date(Math.max(now - 3_600_000, thisWeek)).toISOString(),
        action: 'sync',
        actor: { type: 'service', id: 'argocd-application-controller' },
        object: { type: 'argocd_application', id: { name: 'edge-proxy', kind: 'Application' } },
        details: { message: 'Synced to 1a2b3c4' },
      },
    ],
  });

  const archivedWeeks = await archiving;
  // Sent after the archive run, like a late import: these closed weeks wait for the next run.
  const late = [thisWeek - WEEK_MS + 2 * DAY_MS, thisWeek - WEEK_MS + 4 * DAY_MS, thisWeek - 2 * WEEK_MS + 3 * DAY_MS];
  await admin.post(`/api/v1/organizations/${initech.id}/audit-logs`, {
    items: late.map((time, index) => ({
      instanceId: null,
      timestamp: new Date(time + 10 * 3_600_000).toISOString(),
      action: 'create',
      actor: { type: 'user', id: OWNER.email },
      object: { type: 'member', id: { name: `user${index}@initech.example` } },
      details: { message: `Added user${index}@initech.example` },
    })),
  });

  return {
    owner: { email: OWNER.email, apiKey: demo.ownerApiKey },
    orgs: [{ id: acmeId, name: 'Acme', apiKey: demo.ownerApiKey }, globex, initech],
    instances: seededInstances,
    memberApiKey: member.body.secret,
    filterActor: { id: 'dave@example.com' },
    archivedWeeks,
    unarchived: { weeks: 2, events: late.length },
  };
}
