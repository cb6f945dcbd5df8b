/**
 * Dashboard section: the first-load JavaScript of web/build (gzipped), and in Chromium the time
 * from navigation to the first 50 rows of the large organization beside the sign-in page's.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { CHROMIUM_PATH, launchChromium } from '../../lib/chromium.ts';
import type { BenchRun } from '../bench-run.ts';
import type { BenchOrg } from '../dataset.ts';
import type { Dataset } from '../large-dataset.ts';
import { type Figure, figure, median } from '../measure.ts';
import { withSectionServer } from '../section-server.ts';
import type { BenchServer } from '../server.ts';

export async function dashboardSection(run: BenchRun, data: Dataset): Promise<void> {
  await withSectionServer(run, 'Dashboard', data, async (server) => {
    run.figures.push(...(await dashboardFigures(server, data.big)));
  });
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
  return figures;
}
