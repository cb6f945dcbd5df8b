/** Readers of the dashboard's pages that several e2e files use. */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { ROOT, seeded } from './harness.ts';

/** The Audit Logs tab of an organization (the demo organization unless given), with `search`. */
export function auditUrl(search = '', orgId = seeded().seed.orgs[0]?.id ?? ''): string {
  return `${seeded().baseUrl}/orgs/${orgId}/audit-logs${search}`;
}

/** The rows of the events table. */
export const rows = (page: Page) => page.locator('tbody tr.audit-table__row');

/** A tab of the organization's navigation. */
export const tab = (page: Page, name: string) =>
  page.getByRole('navigation', { name: 'Organization sections' }).getByRole('link', { name, exact: true });

/** The first rows are shown and the chart has counted the range. */
export async function settled(page: Page): Promise<void> {
  await rows(page).first().waitFor();
  await page.locator('.chart__total', { hasText: 'in range' }).waitFor();
}

/** The `filters.*` of the current view, read from its Export CSV link (what the UI asked the API for). */
export async function viewFilters(page: Page): Promise<URLSearchParams> {
  const href = await page.getByRole('link', { name: 'Export CSV' }).getAttribute('href');
  assert.ok(href, 'Export CSV link has an href');
  return new URL(href, seeded().baseUrl).searchParams;
}

/** Where screenshots go: docs/screenshots/ with UPDATE_SCREENSHOTS=1 (`npm run screenshots`), else .wrangler/. */
const SCREENSHOT_DIR = process.env.UPDATE_SCREENSHOTS === '1' ? join(ROOT, 'docs/screenshots') : join(ROOT, '.wrangler/e2e-screenshots');

export async function screenshot(page: Page, name: string, options: { fullPage?: boolean } = {}): Promise<void> {
  // Let the chart finish counting first (when the page has one), so pictures are complete.
  if ((await page.locator('.chart').count()) > 0) {
    await page.locator('.chart__total', { hasText: 'in range' }).waitFor();
  }
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), ...options });
}

/** The "Showing X of N events" total, once the view has settled on the URL it is at. */
export async function shownTotal(page: Page): Promise<number> {
  const status = page.getByTestId('audit-status');
  await status.filter({ hasText: /^(Showing \d+ of [\d,]+ events?\.|No events match these filters\.)$/ }).waitFor({ state: 'attached' });
  const text = (await status.textContent()) ?? '';
  return Number(/of ([\d,]+) event/.exec(text)?.[1]?.replace(/,/g, '') ?? 0);
}
