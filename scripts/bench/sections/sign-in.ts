/**
 * Sign-in section (`npm run bench -- --only sign-in`): in Chromium, from opening the sign-in page
 * to the first 50 rows of the Audit Logs tab, for each way in (SSO through a real local OpenID
 * provider and its login page, a passkey on a virtual authenticator, a one-time sign-in link,
 * Cloudflare Access with a locally signed assertion),
 * each beside the API-key sign-in of the same run (the baseline), median of RUNS fresh browser
 * contexts each. A server and a provider of its own; the organization is seeded through the API.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';
import { DEMO_ACCOUNTS, startOidcProvider } from '../../lib/oidc-provider.ts';
import { type BenchRun, DAY, freshDir, log } from '../bench-run.ts';
import { type Figure, figure, median, round } from '../measure.ts';
import { benchRows, ingestShape } from '../rows.ts';
import { applyMigrations, type BenchServer, startServer } from '../server.ts';

const PORT = 8798;
const ORIGIN = `http://localhost:${PORT}`;
const CHROMIUM = '/usr/bin/chromium';
const RUNS = 7;
const EVENTS = 5_000;
const CLIENT = { id: 'audit-logs', secret: 'audit-logs-client-secret-0123456789' };
const ACCESS_AUD = 'bench-access-audience';

/**
 * Cloudflare Access's side, locally: the team's keys at /cdn-cgi/access/certs and a signer for
 * the assertion Access puts on every request it lets through (scripts only; the Worker verifies it).
 */
async function startAccessTeam(): Promise<{ domain: string; assertion(email: string): Promise<string>; stop(): Promise<void> }> {
  const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid: 'bench-access', alg: 'RS256', use: 'sig' };
  const server = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(req.url === '/cdn-cgi/access/certs' ? JSON.stringify({ keys: [jwk] }) : '{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const domain = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    domain,
    assertion: (email) =>
      new SignJWT({ email })
        .setProtectedHeader({ alg: 'RS256', kid: 'bench-access' })
        .setIssuer(`http://${domain}`)
        .setAudience([ACCESS_AUD])
        .setSubject(`access-${email}`)
        .setIssuedAt()
        .setExpirationTime('1h')
        .sign(privateKey),
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

interface Seeded {
  orgId: string;
  ownerKey: string;
}

export async function signInSection(run: BenchRun): Promise<void> {
  if (!existsSync(CHROMIUM) || !existsSync('web/build/index.html')) {
    run.notes.push('Sign-in: skipped (needs /usr/bin/chromium and web/build).');
    return;
  }
  const dir = freshDir('sign-in');
  applyMigrations(dir);
  const provider = await startOidcProvider({ redirectUris: [`${ORIGIN}/api/v1/auth/sso/callback`], accounts: DEMO_ACCOUNTS });
  const access = await startAccessTeam();
  const server = await startServer(dir, PORT, 'wrangler.toml', {
    vars: {
      SSO_SECRET_KEY: randomBytes(32).toString('base64'),
      ALLOW_INSECURE_SSO: 'true',
      ACCESS_TEAM_DOMAIN: access.domain,
      ACCESS_AUD: ACCESS_AUD,
    },
  });
  try {
    const seeded = await seed(server, provider.issuer, run.now);
    const figures = await measureWaysIn(server, seeded, access.assertion);
    for (const entry of figures) run.add(entry);
  } catch (error) {
    run.failed('Sign-in', error);
  } finally {
    await server.stop();
    await provider.stop();
    await access.stop();
  }
}

async function api(server: BenchServer, token: string, method: string, path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${server.url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', origin: server.url },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

/** Acme-like: alice (owner) with SSO against the local provider, and EVENTS events over 20 days. */
async function seed(server: BenchServer, issuer: string, now: number): Promise<Seeded> {
  const created = (await api(server, server.adminToken, 'POST', '/organizations', {
    name: 'Bench sign-in',
    owner: { email: DEMO_ACCOUNTS.alice?.email ?? 'alice@example.com', name: 'Alice' },
  })) as { organization: { id: string }; ownerApiKey: string };
  const orgId = created.organization.id;
  const rows = [...benchRows(orgId, [], EVENTS, now - 20 * DAY, now - DAY, 7)].map(ingestShape);
  for (let start = 0; start < rows.length; start += 500)
    await api(server, created.ownerApiKey, 'POST', `/organizations/${orgId}/audit-logs`, { items: rows.slice(start, start + 500) });
  await api(server, created.ownerApiKey, 'PUT', `/organizations/${orgId}/sso/configuration`, {
    autoAddMember: false,
    oidc: {
      discoveryUrl: `${issuer}/.well-known/openid-configuration`,
      clientId: CLIENT.id,
      domain: 'example.com',
      domainAliases: [],
      back: { clientSecret: CLIENT.secret },
      scopes: ['openid', 'email', 'profile', 'groups'],
    },
    groupClaims: ['groups'],
    enforceSso: false,
  });
  return { orgId, ownerKey: created.ownerApiKey };
}

/** Waits for the first 50 rows; a failure says where the browser was and what the page said. */
async function firstRows(page: Page): Promise<void> {
  try {
    await page.waitForSelector('tbody tr:nth-child(50)', { timeout: 60_000 });
  } catch (error) {
    const alert = await page.textContent('[role=alert]', { timeout: 1000 }).catch(() => null);
    throw new Error(`no rows at ${page.url()}${alert ? ` (the page says: ${alert.trim()})` : ''}: ${String(error).split('\n')[0]}`);
  }
}

/** A virtual platform authenticator (CDP), optionally holding a passkey made earlier. */
async function authenticator(page: Page, context: BrowserContext, credential?: unknown): Promise<{ cdp: CDPSession; id: string }> {
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true },
  });
  if (credential) await cdp.send('WebAuthn.addCredential', { authenticatorId, credential: credential as never });
  return { cdp, id: authenticatorId };
}

type WayIn = (page: Page, context: BrowserContext) => Promise<void>;

async function timed(browser: Browser, wayIn: WayIn): Promise<number[]> {
  const times: number[] = [];
  for (let index = 0; index <= RUNS; index += 1) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const started = performance.now();
    await wayIn(page, context);
    await firstRows(page);
    // The first run warms the server and the browser's cache of the dashboard; it is not counted.
    if (index > 0) times.push(performance.now() - started);
    await context.close();
  }
  return times;
}

/** Longer than 80 lines: the four ways in side by side, so each reads against the baseline it is compared with. */
async function measureWaysIn(server: BenchServer, seeded: Seeded, accessAssertion: (email: string) => Promise<string>): Promise<Figure[]> {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  const alice = DEMO_ACCOUNTS.alice;
  if (!alice) throw new Error('the provider has no alice');
  try {
    const apiKey: WayIn = async (page) => {
      await page.goto(`${ORIGIN}/sign-in`);
      await page.fill('#api-key', seeded.ownerKey);
      await page.click('form:has(#api-key) button[type=submit]');
    };
    const sso: WayIn = async (page) => {
      await page.goto(`${ORIGIN}/sign-in`);
      await page.fill('#sso-email', alice.email);
      await page.click('.sso-form button[type=submit]');
      await page.fill('input[name=password]', alice.password);
      await page.click('button[type=submit]');
    };
    const link: WayIn = async (page) => {
      const { url } = (await api(server, server.adminToken, 'POST', '/auth/sign-in-links', { email: alice.email })) as { url: string };
      await page.goto(url.replace(/^http:\/\/[^/]+/, ORIGIN));
      await page.click('button.button--primary');
    };
    // One passkey, registered once through the dashboard (signed in with a link), then copied into
    // each run's fresh virtual authenticator, as a person's phone or laptop would hold it.
    const setup = await browser.newContext();
    const setupPage = await setup.newPage();
    const { cdp, id } = await authenticator(setupPage, setup);
    await link(setupPage, setup);
    await firstRows(setupPage);
    await setupPage.goto(`${ORIGIN}/account/passkeys`);
    await setupPage.click('form[aria-labelledby=add-passkey-title] button[type=submit]');
    await setupPage.waitForSelector('tbody tr:has(button:text("Delete"))', { timeout: 30_000 });
    let [credential] = (await cdp.send('WebAuthn.getCredentials', { authenticatorId: id })).credentials;
    await setup.close();
    const passkey: WayIn = async (page, context) => {
      const device = await authenticator(page, context, credential);
      await page.goto(`${ORIGIN}/sign-in`);
      await page.click('button:text("Sign in with a passkey")');
      await page.waitForURL((url) => !url.pathname.startsWith('/sign-in'), { timeout: 30_000 });
      // The server refuses a signature counter that did not grow (a cloned authenticator): the next
      // run's copy starts from this one's counter, as the same device would.
      [credential] = (await device.cdp.send('WebAuthn.getCredentials', { authenticatorId: device.id })).credentials;
    };

    // Access has no sign-in page: Cloudflare's edge adds its assertion to every request, so the
    // figure runs from opening the dashboard's root to the rows.
    const accessRequest: WayIn = async (page, context) => {
      await context.setExtraHTTPHeaders({ 'cf-access-jwt-assertion': await accessAssertion(alice.email) });
      await page.goto(`${ORIGIN}/`);
    };

    const baseline = median(await timed(browser, apiKey));
    const ways: [string, WayIn][] = [
      ['SSO (OpenID Connect, provider login page)', sso],
      ['passkey (virtual authenticator)', passkey],
      ['one-time sign-in link', link],
      ['Cloudflare Access (dashboard root → rows)', accessRequest],
    ];
    const figures: Figure[] = [];
    for (const [name, wayIn] of ways) {
      const value = median(await timed(browser, wayIn));
      log(`sign-in ${name}: ${round(value)} ms (API key ${round(baseline)} ms)`);
      figures.push(
        figure({
          section: 'Sign-in',
          name: `sign-in page → first 50 rows, ${name} (Chromium, p50 of ${RUNS})`,
          value,
          unit: 'ms',
          baselineName: 'the same with an API key',
          baseline,
          goal: '≤ 1.5× the API-key sign-in',
          pass: value <= 1.5 * baseline,
        }),
      );
    }
    return figures;
  } finally {
    await browser.close();
  }
}
