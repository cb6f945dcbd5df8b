/**
 * Browser-test harness: a private `wrangler dev` (own port, own persist dir, own secrets) seeded
 * through the public API, plus a headless Debian Chromium driven by playwright-core.
 *
 * Runs under Node's built-in test runner with type stripping, so only erasable TypeScript here
 * (no enums, no parameter properties, type-only imports marked `type`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { seededRandom as random } from '../../scripts/lib/demo-events.ts';

export const ROOT = resolve(import.meta.dirname, '../..');
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SKIP_MESSAGE = 'SKIPPED: no Chromium (apt-get install chromium)';

const BIN = join(ROOT, 'node_modules/.bin');
const DAY_MS = 24 * 60 * 60 * 1000;
/** worker/services/archive-builder.ts archives only events received at least this long ago. */
const ARCHIVE_SETTLE_MS = 61_000;
const log = (line: string) => console.log(`[e2e] ${line}`);
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

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

export interface SeededArchive {
  startDate: { year: number; month: number; day: number };
  presignedUrl: string;
  records: number;
  bytes: number;
  sha256: string;
}

export interface Seed {
  owner: { email: string; apiKey: string };
  /** First is the one the tests work in; the second exists so the switcher has a choice. */
  orgs: { id: string; name: string }[];
  instances: { production: string; staging: string; delivery: string; edge: string };
  memberApiKey: string;
  /** The actor the filter test narrows to, and how many of its events fall in the last 7 days. */
  filterActor: { id: string; lastSevenDays: number };
  /** Events of the organization within the last 7 days (the dashboard's default range). */
  lastSevenDays: number;
  /** Events of the production instance within the last 7 days. */
  productionLastSevenDays: number;
}

export interface Harness {
  baseUrl: string;
  seed: Seed;
  /**
   * Resolves once the cron has built every closed week that has events (the API lists them all),
   * with the newest: the previous ISO week.
   */
  archive: Promise<SeededArchive>;
  /** Authenticated API call with the platform admin token. */
  admin<T>(method: string, path: string, body?: unknown): Promise<T>;
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

function runTool(args: string[]): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn(join(BIN, 'wrangler'), args, {
      cwd: ROOT,
      env: toolEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', fail);
    child.on('exit', (code) => (code === 0 ? done() : fail(new Error(`wrangler ${args.join(' ')} exited ${code}\n${output}`))));
  });
}

function toolEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    WRANGLER_SEND_METRICS: 'false',
    NO_D1_WARNING: 'true',
    // wrangler must run on the node it was installed for (node_modules/.bin/node is 22).
    PATH: `${BIN}:${process.env.PATH ?? ''}`,
  };
}

async function waitForServer(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited early:\n${output()}`);
    try {
      await fetch(url);
      return;
    } catch {
      await sleep(250);
    }
  }
  throw new Error(`wrangler dev did not answer within 90 s:\n${output()}`);
}

/** Ends the process group (wrangler and the workerd it spawned) and waits for it to go. */
async function stopGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    return;
  }
  const timedOut = await Promise.race([exited.then(() => false), sleep(5000).then(() => true)]);
  if (timedOut) {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

export async function startHarness(): Promise<Harness> {
  const started = Date.now();
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const persistDir = join(ROOT, `.wrangler/e2e-${randomBytes(6).toString('hex')}`);
  mkdirSync(persistDir, { recursive: true });
  const adminToken = `adm_${randomBytes(24).toString('base64url')}`;
  const signingKey = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64');

  let server: ChildProcess | null = null;
  const cleanup = async () => {
    if (server) await stopGroup(server);
    rmSync(persistDir, { recursive: true, force: true });
  };

  try {
    await runTool(['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', persistDir]);
    let output = '';
    server = spawn(
      join(BIN, 'wrangler'),
      [
        'dev',
        '--port',
        String(port),
        '--ip',
        '127.0.0.1',
        '--persist-to',
        persistDir,
        '--test-scheduled',
        '--show-interactive-dev-session=false',
        '--log-level',
        'warn',
        '--var',
        `ADMIN_TOKEN:${adminToken}`,
        '--var',
        `ARCHIVE_SIGNING_KEY:${signingKey}`,
        '--var',
        `LINK_SIGNING_SECRET:${randomBytes(32).toString('base64url')}`,
      ],
      // Its own process group, so stop() can end wrangler and its workerd child together.
      { cwd: ROOT, env: toolEnv(), stdio: ['ignore', 'pipe', 'pipe'], detached: true },
    );
    // wrangler runs in its own process group (detached), so it would outlive an interrupted
    // test run; end it and its state with this process however that ends.
    const child = server;
    const abandon = () => {
      if (child.pid !== undefined && child.exitCode === null) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
      rmSync(persistDir, { recursive: true, force: true });
    };
    process.once('exit', abandon);
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.once(signal, () => {
        abandon();
        process.exit(130);
      });
    }
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-20_000);
    };
    server.stdout?.on('data', keep);
    server.stderr?.on('data', keep);
    await waitForServer(`${baseUrl}/api/v1/me`, server, () => output);
    log(`wrangler dev up on ${baseUrl} in ${Math.round((Date.now() - started) / 1000)} s`);

    const admin = async <T>(method: string, path: string, body?: unknown): Promise<T> => call<T>(baseUrl, adminToken, method, path, body);
    const { seed, previousWeekIngestedAt, closedWeeks } = await seedData(baseUrl, admin);
    log(`seeded in ${Math.round((Date.now() - started) / 1000)} s`);

    const firstOrg = seed.orgs[0];
    if (!firstOrg) throw new Error('seed made no organization');
    const archive = buildArchives(baseUrl, admin, firstOrg.id, previousWeekIngestedAt, closedWeeks);
    // Reported by the test that awaits it; this only keeps an early failure from being unhandled.
    archive.catch(() => undefined);

    return { baseUrl, seed, archive, admin, stop: cleanup };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

async function call<T>(baseUrl: string, token: string, method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(baseUrl + path, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? null : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path} → ${response.status}: ${text}`);
  return (text ? JSON.parse(text) : null) as T;
}

type Admin = <T>(method: string, path: string, body?: unknown) => Promise<T>;

interface EventInput {
  instanceId: string | null;
  timestamp: string;
  action: string;
  actor: { type: string; id: string; ip?: string };
  object: {
    type: string;
    id: { name: string; kind?: string; group?: string };
    parentId?: { name?: string };
  };
  details: { message: string; patch?: string; actionType?: string };
}

const PEOPLE = [
  { id: 'alice@example.com', ip: '203.0.113.7' },
  { id: 'bob@example.com', ip: '203.0.113.24' },
  { id: 'carol@example.com', ip: '198.51.100.41' },
  { id: 'dave@example.com', ip: '198.51.100.77' },
];
const APPS = ['guestbook', 'payments-api', 'checkout-web', 'inventory-svc', 'auth-gateway'];

/** Monday 00:00 UTC of the ISO week that contains `time`. */
function weekStartOf(time: number): number {
  const day = Math.floor(time / DAY_MS) * DAY_MS;
  return day - ((new Date(day).getUTCDay() + 6) % 7) * DAY_MS;
}

/** Monday 00:00 UTC of the ISO week before the current one. */
function previousWeekStart(now: number): number {
  return weekStartOf(now) - 7 * DAY_MS;
}

function makeEvents(count: number, next: () => number, timestampOf: (index: number) => number, instances: Seed['instances']): EventInput[] {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  const events: EventInput[] = [];
  for (let index = 0; index < count; index += 1) {
    const timestamp = new Date(timestampOf(index)).toISOString();
    const person = pick(PEOPLE);
    const roll = next();
    const app = pick(APPS);
    const production = { name: 'production' };
    if (roll < 0.35) {
      events.push({
        instanceId: instances.production,
        timestamp,
        action: 'sync',
        actor: next() < 0.5 ? { type: 'service', id: 'argocd-application-controller' } : { type: 'user', ...person },
        object: { type: 'argocd_application', id: { name: app, kind: 'Application', group: 'argoproj.io' }, parentId: production },
        details: { message: `Synced to ${Math.floor(next() * 0xfffffff).toString(16)}`, actionType: 'sync' },
      });
    } else if (roll < 0.65) {
      const to = `v1.${Math.floor(next() * 20)}.${Math.floor(next() * 10)}`;
      events.push({
        instanceId: next() < 0.7 ? instances.production : instances.staging,
        timestamp,
        action: 'update',
        actor: { type: 'user', ...person },
        object: { type: 'argocd_application', id: { name: app, kind: 'Application', group: 'argoproj.io' }, parentId: production },
        details: {
          message: `Changed target revision to ${to}`,
          patch: JSON.stringify({ spec: { source: { targetRevision: to }, syncPolicy: { automated: { prune: true, selfHeal: null } } } }),
          actionType: 'update',
        },
      });
    } else if (roll < 0.85) {
      events.push({
        instanceId: instances.delivery,
        timestamp,
        action: 'promote',
        actor: { type: 'user', ...person },
        object: {
          type: 'kargo_promotion',
          id: { name: `${app}-prod-${index}`, kind: 'Promotion', group: 'kargo.akuity.io' },
          parentId: { name: 'storefront' },
        },
        details: { message: `Promoted freight to prod`, actionType: 'promote' },
      });
    } else {
      events.push({
        instanceId: null,
        timestamp,
        action: pick(['create', 'delete', 'update']),
        actor: { type: 'user', ...person },
        object: { type: 'member', id: { name: `user${index}@example.com` } },
        details: { message: 'Membership changed' },
      });
    }
  }
  return events;
}

async function ingest(admin: Admin, orgId: string, events: EventInput[]): Promise<void> {
  for (let start = 0; start < events.length; start += 500) {
    await admin('POST', `/api/v1/organizations/${orgId}/audit-logs`, { items: events.slice(start, start + 500) });
  }
}

async function seedData(baseUrl: string, admin: Admin): Promise<{ seed: Seed; previousWeekIngestedAt: number; closedWeeks: number }> {
  const owner = { email: 'alice@example.com', name: 'Alice Anders' };
  // The same owner email twice: one user, two organizations, so the switcher has two entries.
  const acme = await admin<{ organization: { id: string; name: string }; ownerApiKey: string }>('POST', '/api/v1/organizations', {
    name: 'Acme',
    owner,
  });
  const globex = await admin<{ organization: { id: string; name: string } }>('POST', '/api/v1/organizations', {
    name: 'Globex',
    owner,
  });
  const orgId = acme.organization.id;
  const asOwner = <T>(method: string, path: string, body?: unknown) => call<T>(baseUrl, acme.ownerApiKey, method, path, body);
  const instance = async (org: string, type: string, name: string) =>
    (await admin<{ id: string }>('POST', `/api/v1/organizations/${org}/instances`, { type, name })).id;
  const instances = {
    production: await instance(orgId, 'argocd', 'production'),
    staging: await instance(orgId, 'argocd', 'staging'),
    delivery: await instance(orgId, 'kargo', 'delivery'),
    edge: await instance(globex.organization.id, 'argocd', 'edge'),
  };
  // A key acting for the owner but limited to the member role: its session sees the 403 page.
  const member = await asOwner<{ secret: string }>('POST', `/api/v1/organizations/${orgId}/api-keys`, {
    name: 'Member key',
    role: 'member',
  });

  const now = Date.now();
  const next = random(20261124);
  const weekStart = previousWeekStart(now);
  // 40 events in the previous ISO week (archived by the cron), 220 over the last 6 days (so the
  // default 7-day view pages, 50 rows at a time), 60 spread over days 7–28.
  const all = [
    ...makeEvents(40, next, (index) => weekStart + Math.floor(((index + 0.5) / 40) * 7 * DAY_MS), instances),
    ...makeEvents(220, next, (index) => now - 60_000 - Math.floor(((index + 0.5) / 220) * 6 * DAY_MS), instances),
    ...makeEvents(60, next, (index) => now - 7 * DAY_MS - Math.floor(((index + 0.5) / 60) * 21 * DAY_MS), instances),
  ];
  // Closed weeks first: the archive job only takes events received at least a minute before it
  // runs, so that minute starts counting here while the rest is seeded and the browser starts.
  const currentWeekStart = weekStart + 7 * DAY_MS;
  const closed = all.filter((event) => Date.parse(event.timestamp) < currentWeekStart);
  await ingest(admin, orgId, closed);
  const previousWeekIngestedAt = Date.now();
  const closedWeeks = new Set(closed.map((event) => weekStartOf(Date.parse(event.timestamp)))).size;
  await ingest(
    admin,
    orgId,
    all.filter((event) => Date.parse(event.timestamp) >= currentWeekStart),
  );
  await ingest(admin, globex.organization.id, [
    {
      instanceId: instances.edge,
      timestamp: new Date(now - 3_600_000).toISOString(),
      action: 'sync',
      actor: { type: 'service', id: 'argocd-application-controller' },
      object: { type: 'argocd_application', id: { name: 'edge-proxy', kind: 'Application' } },
      details: { message: 'Synced to 1a2b3c4' },
    },
  ]);

  const sevenDaysAgo = now - 7 * DAY_MS;
  const inLastWeek = all.filter((event) => Date.parse(event.timestamp) >= sevenDaysAgo);
  const filterActorId = 'dave@example.com';
  // Management events (org, member, keys, instances) were also recorded, all in the last 7 days.
  const page = await admin<{ totalCount: number }>(
    'GET',
    `/api/v1/organizations/${orgId}/audit-logs?filters.limit=1&filters.startTime=${encodeURIComponent(new Date(sevenDaysAgo).toISOString())}`,
  );
  return {
    seed: {
      owner: { email: owner.email, apiKey: acme.ownerApiKey },
      orgs: [acme.organization, globex.organization],
      instances,
      memberApiKey: member.secret,
      filterActor: {
        id: filterActorId,
        lastSevenDays: inLastWeek.filter((event) => event.actor.id === filterActorId).length,
      },
      lastSevenDays: page.totalCount,
      productionLastSevenDays: inLastWeek.filter((event) => event.instanceId === instances.production).length,
    },
    previousWeekIngestedAt,
    closedWeeks,
  };
}

/** Runs the daily cron once the closed weeks' events are old enough, then waits for every ZIP. */
async function buildArchives(baseUrl: string, admin: Admin, orgId: string, ingestedAt: number, weeks: number): Promise<SeededArchive> {
  await sleep(Math.max(0, ingestedAt + ARCHIVE_SETTLE_MS - Date.now()));
  const trigger = await fetch(`${baseUrl}/__scheduled?cron=${encodeURIComponent('30 0 * * *')}`);
  if (!trigger.ok) throw new Error(`cron trigger answered ${trigger.status}`);
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const list = await admin<{ archives: SeededArchive[]; totalArchivesCount: number }>(
      'GET',
      `/api/v1/organizations/${orgId}/audit-logs-archives`,
    );
    const [newest] = list.archives;
    if (newest && list.totalArchivesCount >= weeks) {
      log(`${list.totalArchivesCount} weekly archives built`);
      return newest;
    }
    await sleep(1000);
  }
  throw new Error(`the cron did not build ${weeks} archives within 2 minutes`);
}
