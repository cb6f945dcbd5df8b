/**
 * The browser side of the e2e tests: the one place that decides whether they can run (Chromium
 * and a built dashboard), one headless Debian Chromium per run (playwright-core), and pages signed
 * in the way a user signs in.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe } from 'node:test';
import { type Browser, type BrowserContext, type BrowserContextOptions, chromium, type Page } from 'playwright-core';
import { ROOT, seeded, sharedHarness } from './harness.ts';

const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Why the browser tests cannot run here, or false when they can. */
const BROWSER_SKIP = !existsSync(CHROMIUM_PATH)
  ? 'SKIPPED: no Chromium (apt-get install chromium)'
  : !existsSync(join(ROOT, 'web/build/index.html'))
    ? 'SKIPPED: web/build is missing (run `vite build web` first)'
    : false;
if (BROWSER_SKIP) console.log(BROWSER_SKIP);

/** A suite of browser tests: skipped, with the reason, where Chromium or the built dashboard is missing. */
export function browserSuite(name: string, body: () => void): void {
  describe(name, { skip: BROWSER_SKIP }, body);
}

export const DESKTOP = { width: 1280, height: 860 };
export const PHONE = { width: 390, height: 844 };
/** The browser's zone differs from UTC so local/UTC rendering is really exercised. */
export const ZONE = 'America/New_York';
const CONTEXT_OPTIONS: BrowserContextOptions = { locale: 'en-US', timezoneId: ZONE, acceptDownloads: true, viewport: DESKTOP };

let launched: Promise<Browser> | null = null;

/** The run's Chromium, launched on first use; each test file opens contexts of its own in it. */
export function sharedBrowser(): Promise<Browser> {
  launched ??= chromium.launch({
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
  return launched;
}

after(async () => {
  await (await launched?.catch(() => null))?.close();
});

/** A fresh browser session (en-US, New York time, desktop size unless `options` say otherwise) that may use the clipboard. */
export async function newContext(options: BrowserContextOptions = {}): Promise<BrowserContext> {
  const context = await (await sharedBrowser()).newContext({ ...CONTEXT_OPTIONS, ...options });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: (await sharedHarness()).baseUrl });
  return context;
}

/** Collects the page's script errors and console errors (refused requests, which the browser logs, excepted). */
export function watch(page: Page, problems: string[]): void {
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) problems.push(`console: ${message.text()}`);
  });
}

/** Signs in on the sign-in page with an API key, as a user does, and waits for the page it leads to. */
export async function signIn(page: Page, apiKey: string): Promise<void> {
  await page.goto(`${seeded().baseUrl}/sign-in`);
  await page.getByLabel('API key').fill(apiKey);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  // The sign-in page has a heading of its own: wait until the session has taken the page elsewhere.
  await page.waitForURL((url) => !url.pathname.startsWith('/sign-in'));
  await page.getByRole('heading', { level: 1 }).first().waitFor();
}

export interface SignedIn {
  context: BrowserContext;
  page: Page;
  /** The page's script and console errors so far (see watch). */
  problems: string[];
}

/** A new session signed in with `key` (the seeded owner's unless given), its errors watched. */
export async function signedInPage(key?: string, options: BrowserContextOptions = {}): Promise<SignedIn> {
  const context = await newContext(options);
  const page = await context.newPage();
  const problems: string[] = [];
  watch(page, problems);
  await signIn(page, key ?? (await sharedHarness()).seed.owner.apiKey);
  return { context, page, problems };
}
