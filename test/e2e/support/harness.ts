/**
 * The e2e server: a private `wrangler dev` (own port, own persist dir, own secrets) started and
 * seeded the way a first `npm start` does it, through the same code in scripts/lib (seed.ts).
 *
 * One per process: `sharedHarness()` starts it on first use and every test file of the run shares
 * it (`npm run test:e2e` runs all of them in one process, in the order of ../all.ts); it stops when
 * the run ends. A file run alone starts its own.
 *
 * Runs under Node's built-in test runner with type stripping, so only erasable TypeScript here
 * (no enums, no parameter properties, type-only imports marked `type`).
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after } from 'node:test';
import { applyMigrations, DEV_ARCHIVE_SETTLE_SECONDS, type DevServer, startDevServer } from '../../../scripts/lib/dev-server.ts';
import { DEMO_ACCOUNTS, type RunningProvider, startOidcProvider } from '../../../scripts/lib/oidc-provider.ts';
import { ROOT } from '../../../scripts/lib/run.ts';
import { type Seed, seedData } from './seed.ts';

export { ROOT };

export const log = (line: string) => console.log(`[e2e] ${line}`);

export interface Harness {
  baseUrl: string;
  /** The platform admin token (creates organizations, backfills history up to an organization's hot retention). */
  adminToken: string;
  /** The run's OpenID provider (scripts/lib/oidc-provider.ts, the demo people), registered for this server's callback. */
  oidcIssuer: string;
  seed: Seed;
  stop(): Promise<void>;
}

let shared: Promise<Harness> | null = null;
let running: Harness | null = null;

/** The run's server, started and seeded on the first call. */
export function sharedHarness(): Promise<Harness> {
  shared ??= startHarness().then((harness) => (running = harness));
  return shared;
}

/** The run's server once a `before` has awaited sharedHarness(): for helpers that build URLs. */
export function seeded(): Harness {
  if (!running) throw new Error('the e2e server is not up yet: await sharedHarness() in a before() first');
  return running;
}

// Registered on the run's root: after every test file of the process.
after(async () => {
  await (await shared?.catch(() => null))?.stop();
});

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

async function startHarness(): Promise<Harness> {
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
  let provider: RunningProvider | null = null;
  const stop = async () => {
    await server?.stop();
    await provider?.stop();
    removeState();
  };
  try {
    await applyMigrations({ persistTo: persistDir, quiet: true });
    // The identity provider first: the Worker redirects browsers to it, and back to this origin.
    provider = await startOidcProvider({ redirectUris: [`http://127.0.0.1:${port}/api/v1/auth/sso/callback`], accounts: DEMO_ACCOUNTS });
    server = await startDevServer({
      port,
      persistTo: persistDir,
      archiveSettleSeconds: DEV_ARCHIVE_SETTLE_SECONDS,
      vars: {
        ADMIN_TOKEN: adminToken,
        ARCHIVE_SIGNING_KEY: signingKey,
        LINK_SIGNING_SECRET: randomBytes(32).toString('base64url'),
        WEBHOOK_SECRET_KEY: randomBytes(32).toString('base64'),
        SSO_SECRET_KEY: randomBytes(32).toString('base64'),
        // The provider is plain http on 127.0.0.1, as under `npm start`.
        ALLOW_INSECURE_SSO: 'true',
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
    return { baseUrl: server.baseUrl, adminToken, oidcIssuer: provider.issuer, seed, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
