/**
 * Dashboard section: the first-load JavaScript of web/build (gzipped), and in Chromium the time
 * from navigation to the first 50 rows of the large organization beside the sign-in page's, and
 * from the sign-in click to the first rows with the API requests of that first view.
 */
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { CHROMIUM_PATH, launchChromium } from '../../lib/chromium.ts';
import type { BenchRun } from '../bench-run.ts';
import type { BenchOrg } from '../dataset.ts';
import type { Dataset } from '../large-dataset.ts';
import { type Figure, figure, median, percentile } from '../measure.ts';
import { withSectionServer } from '../section-server.ts';
import type { BenchServer } from '../server.ts';

export async function dashboardSection(run: BenchRun, data: Dataset): Promise<void> {
  const load: number[] = [loadavg()[0] ?? 0];
  const loadTimer = setInterval(() => load.push(loadavg()[0] ?? 0), 5000);
  try {
    await withSectionServer(run, 'Dashboard', data, async (server) => {
      run.figures.push(...(await dashboardFigures(server, data.big)));
    });
  } finally {
    clearInterval(loadTimer);
    const mean = load.reduce((sum, value) => sum + value, 0) / load.length;
    run.notes.push(
      `Dashboard: 1-minute load average during the section mean ${mean.toFixed(1)}, max ${Math.max(...load).toFixed(1)} on ${availableParallelism()} cores (the machine is shared; browser times grow with it).`,
    );
  }
}

/** First-load JS: every script and modulepreload that web/build/index.html references, gzipped. */
function firstLoadJsGzipBytes(buildDir = 'web/build'): { raw: number; gzip: number; files: number } {
  const html = readFileSync(join(buildDir, 'index.html'), 'utf8');
  const sources = [...html.matchAll(/(?:src|href)="(\/[^"]+\.js)"/g)].map((match) => match[1] as string);
  let raw = 0;
  let gzip = 0;
  for (const source of new Set(sources)) {
    const bytes = readFileSync(join(buildDir, source));
    raw += bytes.byteLength;
    gzip += gzipSync(bytes, { level: 9 }).byteLength;
  }
  return { raw, gzip, files: new Set(sources).size };
}

/**
 * Time from navigation to the first 50 rows of the Audit Logs tab (1M-event organization) in
 * Chromium, beside the time to render the sign-in page (same app, no data): median of 5.
 */
async function firstRowsTiming(server: BenchServer, org: BenchOrg): Promise<{ rows: number; signIn: number } | null> {
  if (!existsSync(CHROMIUM_PATH)) return null;
  const browser = await launchChromium();
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${server.url}/sign-in`);
    const signedIn = await page.evaluate(
      async (apiKey) =>
        (
          await fetch('/api/v1/auth/session', {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ apiKey }),
          })
        ).status,
      org.ownerKey,
    );
    if (signedIn !== 201) throw new Error(`sign-in failed: ${signedIn}`);
    const rowTimes: number[] = [];
    const signInTimes: number[] = [];
    for (let run = 0; run < 6; run += 1) {
      const fresh = await context.newPage();
      let started = performance.now();
      await fresh.goto(`${server.url}/orgs/${org.id}/audit-logs`);
      await fresh.waitForSelector('tbody tr:nth-child(50)', { timeout: 30_000 });
      if (run > 0) rowTimes.push(performance.now() - started);
      started = performance.now();
      await fresh.goto(`${server.url}/sign-in`);
      await fresh.waitForSelector('input[type=password]');
      if (run > 0) signInTimes.push(performance.now() - started);
      await fresh.close();
    }
    return { rows: median(rowTimes), signIn: median(signInTimes) };
  } finally {
    await browser.close();
  }
}

/**
 * In the page (sign-in leads to the Audit Logs tab without reloading it): the page's clock at the
 * Sign in click and when the first row of the events table is in the document. Measured there, the
 * figure is what the person waits for, without the test driver's own polling on a busy machine.
 */
const WATCH_SIGN_IN_TO_ROWS = `
  document.addEventListener('click', () => { window.benchClickAt = performance.now(); }, { capture: true });
  new MutationObserver((_, observer) => {
    if (window.benchClickAt !== undefined && document.querySelector('tbody tr.audit-table__row')) {
      window.benchRowsAt = performance.now();
      observer.disconnect();
    }
  }).observe(document, { childList: true, subtree: true });
`;

/** The marks' difference in ms, or null when the page has not set both (in-page code as text: no DOM types here). */
const SIGN_IN_TO_ROWS =
  'window.benchRowsAt !== undefined && window.benchClickAt !== undefined ? window.benchRowsAt - window.benchClickAt : null';

/**
 * Sign-in → first rows, as a person signs in: the sign-in page is shown, the API key typed, and the
 * clock runs from the click to the first row of the Audit Logs tab (the large organization's), in the
 * page's own clock (WATCH_SIGN_IN_TO_ROWS); the driver's view of the same span is kept beside it. Warm:
 * one browser context throughout (its HTTP cache keeps the app's immutable files), signed out
 * between runs, the first run unmeasured. The API requests of each first view are counted from the
 * click until the view has settled (rows, chart total, no request for half a second).
 */
async function signInTiming(
  server: BenchServer,
  org: BenchOrg,
): Promise<{ p50: number; p95: number; driver: number; requests: number } | null> {
  if (!existsSync(CHROMIUM_PATH)) return null;
  const browser = await launchChromium();
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.addInitScript({ content: WATCH_SIGN_IN_TO_ROWS });
    let requests: string[] = [];
    page.on('request', (request) => {
      if (new URL(request.url()).pathname.startsWith('/api/')) requests.push(`${request.method()} ${new URL(request.url()).pathname}`);
    });
    const times: number[] = [];
    const driverTimes: number[] = [];
    let most = 0;
    for (let run = 0; run < 8; run += 1) {
      await page.goto(`${server.url}/sign-in`);
      await page.getByLabel('API key').fill(org.ownerKey);
      requests = [];
      const started = performance.now();
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.waitForSelector('tbody tr.audit-table__row', { timeout: 30_000 });
      const inPage = (await page.evaluate(SIGN_IN_TO_ROWS)) as number | null;
      if (inPage === null) throw new Error('the page did not mark the click and the first row');
      if (run > 0) {
        driverTimes.push(performance.now() - started);
        times.push(inPage);
      }
      await page.locator('.chart__total', { hasText: 'in range' }).waitFor({ timeout: 30_000 });
      await page.waitForLoadState('networkidle');
      if (run > 0) most = Math.max(most, requests.length);
      const signedOut = await page.evaluate(async () => (await fetch('/api/v1/auth/session', { method: 'DELETE' })).status);
      if (signedOut >= 400) throw new Error(`sign-out failed: ${signedOut}`);
    }
    return { p50: median(times), p95: percentile(times, 95), driver: median(driverTimes), requests: most };
  } finally {
    await browser.close();
  }
}

async function dashboardFigures(server: BenchServer, org: BenchOrg): Promise<Figure[]> {
  if (!existsSync('web/build/index.html')) return [];
  const js = firstLoadJsGzipBytes();
  const figures = [
    figure({
      section: 'Dashboard',
      name: `first-load JS (gzip, ${js.files} files)`,
      value: js.gzip / 1024,
      unit: 'KiB',
      baselineName: 'uncompressed',
      baseline: js.raw / 1024,
      goal: '≤ 60 KB gzip',
      pass: js.gzip <= 60_000,
    }),
  ];
  const timing = await firstRowsTiming(server, org);
  if (timing) {
    figures.push(
      figure({
        section: 'Dashboard',
        name: 'navigation → first 50 rows rendered (Chromium)',
        value: timing.rows,
        unit: 'ms',
        baselineName: 'navigation → sign-in page rendered',
        baseline: timing.signIn,
        goal: '',
        pass: null,
        note: 'Audit Logs tab of the largest organization; includes the events-per-day chart requests',
      }),
    );
  }
  const signIn = await signInTiming(server, org);
  if (signIn && timing) {
    figures.push(
      figure({
        section: 'Dashboard',
        name: 'sign-in click → first rows p50, warm (Chromium)',
        value: signIn.p50,
        unit: 'ms',
        baselineName: 'navigation → sign-in page rendered',
        baseline: timing.signIn,
        goal: '≤ 400 ms',
        pass: signIn.p50 <= 400,
        note: `p95 ${Math.round(signIn.p95)} ms, in the page's clock (click → first row in the document); as the test driver sees it ${Math.round(signIn.driver)} ms; 7 runs after one unmeasured, signed out between runs`,
      }),
      figure({
        section: 'Dashboard',
        name: 'first view API requests (sign-in click → settled)',
        value: signIn.requests,
        unit: 'requests',
        baselineName: 'goal',
        baseline: 5,
        goal: '≤ 5',
        pass: signIn.requests <= 5,
        note: 'the most of any run: session, list, instances, chart, checkpoint',
      }),
    );
  }
  return figures;
}
