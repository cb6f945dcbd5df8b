/**
 * Saved views in real Chromium against the real Worker: the seeded owner saves the filters on
 * screen under a name, finds it in the "Saved views" menu, applies it (the rows change to the
 * view's), opens its copied link in a new page (the same filters), renames and deletes it, and is
 * told in words when a name is taken or empty. Keyboard throughout; axe-core finds no critical,
 * serious or moderate violation in any state. The views are the owner's own (nothing else changes).
 *
 * Run: `npm run test:e2e`, or `node --test test/e2e/saved-views.test.ts` (after `npm run build:web`).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { after, before, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { api } from './support/api.ts';
import { browserSuite, DESKTOP, PHONE, signedInPage } from './support/browser.ts';
import { type Harness, sharedHarness } from './support/harness.ts';
import { focused } from './support/page-checks.ts';
import { auditUrl, rows, screenshot, settled, shownTotal, viewFilters } from './support/views.ts';

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const NAME = `Deletes ${Date.now().toString(36)}`;

/** axe-core's critical, serious and moderate violations of the page as it is now. */
async function axeFindings(page: Page, state: string): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (context: Document, options: object) => Promise<{ violations: unknown[] }> } }).axe;
    return (await axe.run(document, { resultTypes: ['violations'] })).violations as {
      id: string;
      impact: string | null;
      nodes: unknown[];
    }[];
  });
  return violations
    .filter((violation) => ['critical', 'serious', 'moderate'].includes(violation.impact ?? ''))
    .map((violation) => `${state}: ${violation.id} (${violation.impact}) ×${violation.nodes.length}`);
}

browserSuite('saved views in Chromium', () => {
  let harness: Harness;
  let context: BrowserContext;
  let page: Page;
  let problems: string[] = [];
  const findings: string[] = [];

  const orgId = () => harness.seed.orgs[0]?.id ?? '';
  const menuButton = () => page.getByRole('button', { name: 'Saved views', exact: true });
  const panel = () => page.locator('#saved-views-panel');
  const nameField = () => page.getByRole('dialog').getByLabel('Name', { exact: true });
  const status = () => page.getByTestId('saved-views-status');

  async function openMenu(): Promise<void> {
    await menuButton().focus();
    await page.keyboard.press('Enter');
    await panel().waitFor();
    await panel().getByText('Loading your saved views…').waitFor({ state: 'detached' });
  }

  async function ownViews(): Promise<{ name: string; query: string; scope: string }[]> {
    const answer = await api<{ savedViews: { name: string; query: string; scope: string }[] }>(
      `/api/v1/organizations/${orgId()}/saved-views`,
    );
    assert.equal(answer.status, 200);
    return answer.body.savedViews;
  }

  before(async () => {
    harness = await sharedHarness();
    ({ context, page, problems } = await signedInPage());
    await page.goto(auditUrl('?range=30d&action=delete'));
    await settled(page);
  });

  after(async () => {
    await context?.close();
    assert.deepEqual(findings, []);
    assert.deepEqual(problems, []);
  });

  it('saves the filters on screen under a name, by keyboard, and lists it', async () => {
    await openMenu();
    assert.match((await panel().textContent()) ?? '', /No saved views for this tab yet/);
    findings.push(...(await axeFindings(page, 'menu open, empty')));
    // The panel's content follows its button in the Tab order.
    await page.keyboard.press('Tab');
    assert.equal((await focused(page))?.label, 'Save current view…');
    await page.keyboard.press('Enter');
    await nameField().waitFor();
    assert.match((await page.getByRole('dialog').textContent()) ?? '', /Keeps these filters: range: 30d, action: delete\./);
    await page.keyboard.type(NAME);
    await page.keyboard.press('Enter');
    await status()
      .filter({ hasText: `Saved the view “${NAME}”.` })
      .waitFor({ state: 'attached' });
    assert.equal((await focused(page))?.label, 'Saved views', 'focus returns to the menu button');
    assert.deepEqual(
      (await ownViews()).filter((view) => view.name === NAME).map(({ query, scope }) => ({ query, scope })),
      [{ query: 'range=30d&action=delete', scope: 'organization' }],
    );
    await openMenu();
    const link = panel().getByRole('link', { name: NAME });
    assert.equal(await link.getAttribute('aria-current'), 'true', 'the view on screen is marked');
    findings.push(...(await axeFindings(page, 'menu open, one view')));
    await screenshot(page, 'saved-views-menu');
    await page.keyboard.press('Escape');
    await panel().waitFor({ state: 'hidden' });
  });

  it('says in words when a name is empty or already taken, by the field', async () => {
    await openMenu();
    await panel().getByRole('button', { name: 'Save current view…' }).click();
    await nameField().waitFor();
    await page.keyboard.press('Enter');
    const error = page.getByTestId('view-name-error');
    assert.equal(await error.textContent(), 'Enter a name for the view.');
    assert.equal(await nameField().getAttribute('aria-invalid'), 'true');
    await nameField().fill(NAME.toUpperCase());
    await page.keyboard.press('Enter');
    await error.filter({ hasText: 'already have a saved view named' }).waitFor();
    assert.equal(
      await error.textContent(),
      `You already have a saved view named "${NAME.toUpperCase()}" in this organization. Choose another name, or rename that view first.`,
    );
    assert.match((await nameField().getAttribute('aria-describedby')) ?? '', /view-name-error/);
    findings.push(...(await axeFindings(page, 'save dialog, name taken')));
    await screenshot(page, 'saved-views-taken');
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
    assert.equal((await ownViews()).filter((view) => view.name.toLowerCase() === NAME.toLowerCase()).length, 1);
  });

  it('applies a view: the tab shows its filters and its rows', async () => {
    await page.goto(auditUrl());
    await settled(page);
    const everything = await shownTotal(page);
    await openMenu();
    await panel().getByRole('link', { name: NAME }).click();
    await page.waitForURL((url) => url.searchParams.get('action') === 'delete' && url.searchParams.get('range') === '30d');
    const filtered = await shownTotal(page);
    const filters = await viewFilters(page);
    assert.deepEqual(filters.getAll('filters.action'), ['delete']);
    assert.ok(filtered < everything, `the view's ${filtered} rows are not the ${everything} of the default view`);
    const apiTotal = await api<{ totalCount: number }>(`/api/v1/organizations/${orgId()}/audit-logs?${filters}&filters.limit=1`);
    assert.equal(filtered, apiTotal.body.totalCount);
    if (filtered > 0) assert.match((await rows(page).first().locator('[data-column="action"]').textContent()) ?? '', /delete/i);
    await panel().waitFor({ state: 'hidden' });
  });

  it('copies a link that opens the same filters in a new page', async () => {
    await openMenu();
    await panel()
      .getByRole('button', { name: `Copy link to “${NAME}”` })
      .click();
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    assert.equal(new URL(copied).pathname, `/orgs/${orgId()}/audit-logs`);
    const fresh = await context.newPage();
    await fresh.goto(copied);
    await settled(fresh);
    assert.deepEqual([...new URL(fresh.url()).searchParams], [...new URL(page.url()).searchParams]);
    assert.deepEqual(
      [...(await viewFilters(fresh))].filter(([key]) => key !== 'filters.startTime'),
      [...[...(await viewFilters(page))].filter(([key]) => key !== 'filters.startTime')],
    );
    await fresh.close();
    await page.keyboard.press('Escape');
  });

  it('fits a phone: the menu and its actions stay on screen', async () => {
    await page.setViewportSize(PHONE);
    await openMenu();
    const overflow = await page.evaluate(() => {
      const panelBox = document.getElementById('saved-views-panel')?.getBoundingClientRect();
      return { page: document.documentElement.scrollWidth, panelRight: panelBox?.right ?? 0, panelLeft: panelBox?.left ?? 0 };
    });
    assert.ok(overflow.page <= PHONE.width, `the page is ${overflow.page} px wide`);
    assert.ok(
      overflow.panelLeft >= 0 && overflow.panelRight <= PHONE.width,
      `the menu spans ${overflow.panelLeft}–${overflow.panelRight} px`,
    );
    findings.push(...(await axeFindings(page, 'menu open, phone')));
    await screenshot(page, 'saved-views-phone');
    await page.keyboard.press('Escape');
    await page.setViewportSize(DESKTOP);
  });

  it('renames and deletes a view', async () => {
    await openMenu();
    await panel()
      .getByRole('button', { name: `Rename “${NAME}”` })
      .click();
    await nameField().fill(`${NAME} (30 days)`);
    await page.keyboard.press('Enter');
    await status()
      .filter({ hasText: `Renamed to “${NAME} (30 days)”.` })
      .waitFor({ state: 'attached' });
    await openMenu();
    await panel()
      .getByRole('button', { name: `Delete “${NAME} (30 days)”` })
      .click();
    const confirm = page.getByRole('dialog', { name: 'Delete saved view' });
    await confirm.waitFor();
    findings.push(...(await axeFindings(page, 'delete confirmation')));
    await confirm.getByRole('button', { name: 'Delete view' }).click();
    await status()
      .filter({ hasText: `Deleted the view “${NAME} (30 days)”.` })
      .waitFor({ state: 'attached' });
    assert.equal((await ownViews()).filter((view) => view.name.startsWith(NAME)).length, 0);
  });

  it('keeps an instance tab’s views apart from the organization’s', async () => {
    const instance = harness.seed.instances.production;
    await page.goto(`${harness.baseUrl}/orgs/${orgId()}/instances/${instance}/audit-logs?action=sync`);
    await rows(page).first().waitFor();
    await openMenu();
    await panel().getByRole('button', { name: 'Save current view…' }).click();
    await nameField().fill(`${NAME} instance`);
    await page.keyboard.press('Enter');
    await status().filter({ hasText: 'Saved the view' }).waitFor({ state: 'attached' });
    const saved = (await ownViews()).find((view) => view.name === `${NAME} instance`);
    assert.deepEqual(saved && { query: saved.query, scope: saved.scope }, { query: 'action=sync', scope: instance });
    await openMenu();
    const href = await panel()
      .getByRole('link', { name: `${NAME} instance` })
      .getAttribute('href');
    assert.equal(href, `/orgs/${orgId()}/instances/${instance}/audit-logs?action=sync`);
    findings.push(...(await axeFindings(page, 'instance tab menu')));
    await page.keyboard.press('Escape');
    await page.goto(auditUrl());
    await settled(page);
    await openMenu();
    assert.equal(
      await panel()
        .getByRole('link', { name: `${NAME} instance` })
        .count(),
      0,
      'not listed on the organization tab',
    );
    await page.keyboard.press('Escape');
  });
});
