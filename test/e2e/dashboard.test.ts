/**
 * The dashboard in real Chromium against the real Worker (wrangler dev, local D1/R2/queue), seeded
 * like a first `npm start` (the demo organization with its closed weeks archived) plus two more
 * organizations (support/seed.ts). The tests of this file run in order and share one page, like a
 * user's session: sign in → browse → load more → filter → details → switch organization → instance
 * → archive → phone → keyboard. Signing out and a member's session: dashboard-session.test.ts.
 *
 * Run: `npm run test:e2e` (every e2e file, one server), or one file with
 * `node --test test/e2e/dashboard.test.ts` (after `npm run build:web`).
 * Screenshots: into docs/screenshots/ with UPDATE_SCREENSHOTS=1, else .wrangler/e2e-screenshots/.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, it } from 'node:test';
import type { BrowserContext, Download, Page } from 'playwright-core';
import { api } from './support/api.ts';
import { browserSuite, newContext, PHONE, watch } from './support/browser.ts';
import { parseCsv } from './support/csv.ts';
import { type Harness, sharedHarness } from './support/harness.ts';
import { auditUrl, rows, screenshot, tab, viewFilters } from './support/views.ts';

interface ApiPage {
  items: { id: string; actor: { id: string }; instanceId: string | null }[];
  totalCount: number;
}

browserSuite('dashboard in Chromium', () => {
  let harness: Harness;
  let context: BrowserContext;
  let page: Page;
  const problems: string[] = [];

  const orgId = () => harness.seed.orgs[0]?.id ?? '';

  /** The "Showing X of N events" numbers. */
  async function shownCounts(): Promise<{ shown: number; total: number }> {
    const text = (await page.locator('.results-bar__count').textContent()) ?? '';
    const match = /Showing\s+([\d,]+)\s+of\s+([\d,]+)\s+events?/.exec(text.replace(/\s+/g, ' '));
    assert.ok(match, `results line reads "${text}"`);
    return { shown: Number(match[1]?.replace(/,/g, '')), total: Number(match[2]?.replace(/,/g, '')) };
  }

  async function saveDownload(download: Download): Promise<Buffer> {
    const path = await download.path();
    return readFileSync(path);
  }

  before(async () => {
    harness = await sharedHarness();
    context = await newContext();
    page = await context.newPage();
    watch(page, problems);
  });

  after(async () => {
    await context?.close();
  });

  it('sends a signed-out visitor to sign-in, and signs in with an owner API key', async () => {
    await page.goto(auditUrl());
    await page.waitForURL(/\/sign-in\?next=/);
    await page.getByText('You are not signed in, or your session has expired').waitFor();

    await page.getByLabel('API key').fill('alk_not-a-real-key');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('alert').waitFor();

    await page.getByLabel('API key').fill(harness.seed.owner.apiKey);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    // `next` brings the user back to the page they asked for.
    await page.waitForURL(auditUrl());
    await page.getByRole('heading', { level: 1, name: 'Audit Logs' }).waitFor();
    await rows(page).first().waitFor();
    assert.equal(await page.locator('.app-header__email').textContent(), harness.seed.owner.email);
    assert.equal(await rows(page).count(), 50, 'first page is 50 rows');
    const { total } = await shownCounts();
    const apiTotal = (
      await api<ApiPage>(`/api/v1/organizations/${orgId()}/audit-logs?${await viewFilters(page)}&filters.limit=1`, { expect: 200 })
    ).body.totalCount;
    assert.equal(total, apiTotal, 'the total shown is the API total for the same filters');
    assert.ok(total >= 120, `enough events to page through (${total})`);
    // The chart counted every event of the range too.
    await page.locator('.chart__total').getByText(`${total} events in range`).waitFor();
    await screenshot(page, 'audit-logs');
  });

  it('loads more rows by cursor, without repeats, newest first', async () => {
    await page.getByRole('button', { name: 'Load more' }).click();
    await page.waitForFunction(() => document.querySelectorAll('tbody tr.audit-table__row').length > 50);
    assert.equal(await rows(page).count(), 100);
    const ids = await rows(page).evaluateAll((elements) => elements.map((element) => element.getAttribute('data-event-id')));
    assert.equal(new Set(ids).size, 100, 'no event shown twice');
    const times = await page
      .locator('tbody tr.audit-table__row time')
      .evaluateAll((elements) => elements.map((element) => Date.parse(element.getAttribute('datetime') ?? '')));
    assert.deepEqual(
      times,
      [...times].sort((a, b) => b - a),
      'newest first',
    );
    assert.equal((await shownCounts()).shown, 100);
  });

  it('filters by actor: every row is that actor, the URL reproduces the view, CSV exports it', async () => {
    const actor = harness.seed.filterActor.id;
    await page.getByLabel('Actor').fill(actor);
    await page.getByLabel('Actor').press('Enter');
    await page.waitForURL((url) => url.searchParams.get('actor') === actor);
    await page.waitForFunction((id) => {
      const cells = [...document.querySelectorAll('tbody tr.audit-table__row .audit-table__actor-id')];
      return cells.length > 0 && cells.every((cell) => cell.textContent?.trim() === id);
    }, actor);
    const actors = await page.locator('tbody tr.audit-table__row .audit-table__actor-id').allTextContents();
    assert.ok(actors.length > 0);
    assert.deepEqual(new Set(actors.map((text) => text.trim())), new Set([actor]));

    const filters = await viewFilters(page);
    assert.deepEqual(filters.getAll('filters.actorId'), [actor]);
    const { body: apiPage } = await api<ApiPage>(`/api/v1/organizations/${orgId()}/audit-logs?${filters}&filters.limit=1000`, {
      expect: 200,
    });
    assert.ok(apiPage.items.every((item) => item.actor.id === actor));
    assert.equal((await shownCounts()).total, apiPage.totalCount);
    assert.equal(await rows(page).count(), Math.min(50, apiPage.totalCount));

    // A reload (or a shared link) shows the same view.
    await page.reload();
    await rows(page).first().waitFor();
    assert.equal(await page.getByLabel('Actor').inputValue(), actor);
    assert.equal((await shownCounts()).total, apiPage.totalCount);

    // Export CSV downloads exactly the filtered events.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Export CSV' }).click()]);
    assert.match(download.suggestedFilename(), /\.csv$/);
    const csv = parseCsv((await saveDownload(download)).toString('utf8'));
    const header = csv[0] ?? [];
    const actorColumn = header.indexOf('actorId');
    assert.ok(actorColumn >= 0, 'CSV has an actorId column');
    const records = csv.slice(1);
    // The export is taken a moment later than the count above; the actor's events don't change.
    assert.equal(records.length, apiPage.totalCount);
    assert.ok(records.every((record) => record[actorColumn] === actor));
  });

  it('opens an event: message, patch as a diff, raw JSON with a working copy button', async () => {
    await page.goto(`${auditUrl()}?action=update&objectType=argocd_application`);
    const row = rows(page)
      .filter({ has: page.locator('.audit-table__patch') })
      .first();
    await row.waitFor();
    const eventId = await row.getAttribute('data-event-id');
    await row.locator('.audit-table__open').click();

    const drawer = page.getByRole('dialog');
    await drawer.waitFor();
    await drawer.getByRole('heading', { name: 'Message' }).waitFor();
    assert.ok((await drawer.locator('.drawer__message').textContent())?.includes('Changed target revision'));
    // The merge patch is pretty-printed: set members are additions, a null member a removal.
    assert.equal(await drawer.locator('.patch__format').textContent(), 'JSON merge patch');
    assert.ok((await drawer.locator('.patch__line--add').count()) >= 2);
    assert.ok((await drawer.locator('.patch__line--add').allTextContents()).some((line) => line.includes('"targetRevision"')));
    assert.ok((await drawer.locator('.patch__line--remove').allTextContents()).some((line) => line.includes('"selfHeal": null')));
    const raw = JSON.parse((await drawer.locator('.drawer__raw').textContent()) ?? '') as { id: string };
    assert.equal(raw.id, eventId);
    // Hover text gives the other zone: the UI shows New York time, the title UTC.
    const title = (await row.locator('time').getAttribute('title')) ?? '';
    assert.match(title, /UTC/);

    await drawer.getByRole('button', { name: 'Copy JSON' }).click();
    await drawer.getByText('Copied to the clipboard').waitFor({ state: 'attached' });
    const copied = JSON.parse(await page.evaluate(() => navigator.clipboard.readText())) as { id: string };
    assert.equal(copied.id, eventId);
    await screenshot(page, 'event-details');

    // Next walks to the following row without closing.
    await drawer.getByRole('button', { name: /Next event/ }).click();
    // The drawer follows the URL (?event=…), which updates after a navigation: wait for it.
    const nextRawText = drawer.locator('.drawer__raw').filter({ hasNotText: eventId ?? '' });
    await nextRawText.waitFor();
    const nextRaw = JSON.parse((await nextRawText.textContent()) ?? '') as { id: string; credential: { type: string; id: string } | null };
    assert.notEqual(nextRaw.id, eventId);
    // How the actor signed in, and a link to everything that credential did (credential:<id>).
    const credential = drawer.getByTestId('event-credential');
    assert.match((await credential.textContent()) ?? '', nextRaw.credential?.type === 'admin_token' ? /Admin token/ : /API key key_/);
    await credential.getByRole('link', { name: 'Everything this credential did' }).click();
    await page.waitForURL((url) => url.searchParams.get('q') === `credential:${nextRaw.credential?.id}`);
    assert.match((await page.getByTestId('query-chips').textContent()) ?? '', /Credential/);
    await rows(page).first().locator('.audit-table__open').click();
    const firstRaw = JSON.parse((await drawer.locator('.drawer__raw').textContent()) ?? '') as typeof nextRaw;
    assert.equal(firstRaw.credential?.id, nextRaw.credential?.id, 'the filtered rows are that credential’s');
    await page.keyboard.press('Escape');
    await drawer.waitFor({ state: 'hidden' });
  });

  it('toggles UTC without reloading rows', async () => {
    const first = rows(page).first().locator('time');
    const iso = (await first.getAttribute('datetime')) ?? '';
    await page.getByRole('link', { name: 'UTC', exact: true }).click();
    await page.waitForURL((url) => url.searchParams.get('utc') === '1');
    const utcText = (await first.textContent())?.trim() ?? '';
    const expected = new Intl.DateTimeFormat('en-US', {
      timeZone: 'UTC',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    }).format(new Date(iso));
    assert.ok(utcText.endsWith(expected), `"${utcText}" shows the UTC time ${expected}`);
    await page.getByRole('link', { name: 'Local', exact: true }).click();
    await page.waitForURL((url) => !url.searchParams.has('utc'));
  });

  it('adds the other organizations with their own keys, then switches between them from the header menu', async () => {
    const [acme, globex] = harness.seed.orgs;
    assert.ok(acme && globex);
    await page.goto(auditUrl());
    await rows(page).first().waitFor();
    // Signed in with Acme's key, the session is Acme's alone: each key acts in its own organization.
    assert.deepEqual(await page.getByLabel('Organization', { exact: true }).locator('option').allTextContents(), ['Acme']);
    for (const other of harness.seed.orgs.slice(1)) {
      await page.getByRole('link', { name: 'Add organization' }).click();
      await page.getByRole('heading', { name: 'Add an organization' }).waitFor();
      await page.getByLabel('API key').fill(other.apiKey);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.waitForURL((url) => !url.pathname.startsWith('/sign-in'));
      await page.goto(auditUrl());
      await rows(page).first().waitFor();
    }
    const switcher = page.getByLabel('Organization', { exact: true });
    assert.deepEqual(
      await switcher.locator('option').allTextContents(),
      harness.seed.orgs.map((org) => org.name),
    );
    await switcher.selectOption(globex.id);
    await page.waitForURL(auditUrl('', globex.id));
    await page.getByText('edge-proxy').first().waitFor();
    const instanceIds = await rows(page).evaluateAll((elements) => elements.map((element) => element.getAttribute('data-instance-id')));
    assert.ok(!instanceIds.includes(harness.seed.instances.production), 'no Acme events in Globex');

    // Globex has no closed week yet: the archive list says when the first archive will appear.
    await page.getByRole('button', { name: 'Archive' }).click();
    const dialog = page.getByRole('dialog', { name: 'Weekly archives' });
    await dialog.getByRole('heading', { name: 'No archives yet' }).waitFor();
    assert.match((await dialog.locator('.state__detail').textContent()) ?? '', /first archive will be here by .+ 00:30 UTC/);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });

    await page.getByLabel('Organization', { exact: true }).selectOption(acme.id);
    await page.waitForURL(auditUrl('', acme.id));

    // An organization the user doesn't belong to is a clear "not found" page.
    await page.goto(auditUrl('', 'org_does_not_exist'));
    await page.getByRole('heading', { level: 1, name: 'Page not found' }).waitFor();
    assert.ok(await page.getByText("This organization doesn't exist or you're not a member of it.").isVisible());
  });

  it('opens an instance from the Argo CD tab, with its own audit log scoped to it', async () => {
    await page.goto(auditUrl());
    await tab(page, 'Argo CD').click();
    await page.getByRole('heading', { name: 'Argo CD instances' }).waitFor();
    assert.deepEqual((await page.locator('.card-list__name').allTextContents()).sort(), ['production', 'staging']);
    await page.getByRole('link', { name: /production/ }).click();
    const instanceId = harness.seed.instances.production;
    await page.waitForURL(`${harness.baseUrl}/orgs/${orgId()}/instances/${instanceId}/audit-logs`);
    await page.getByRole('heading', { level: 1, name: 'production' }).waitFor();
    await rows(page).first().waitFor();
    // The Argo CD tab stays lit, and the instance filter is fixed (not offered).
    assert.equal(await tab(page, 'Argo CD').getAttribute('aria-current'), 'page');
    assert.equal(await page.getByLabel('Instance', { exact: true }).count(), 0);
    const instanceIds = await rows(page).evaluateAll((elements) => elements.map((element) => element.getAttribute('data-instance-id')));
    assert.deepEqual(new Set(instanceIds), new Set([instanceId]));
    const filters = await viewFilters(page);
    const { body: apiPage } = await api<ApiPage>(
      `/api/v1/organizations/${orgId()}/instances/${instanceId}/audit-logs?${filters}&filters.limit=1`,
      {
        expect: 200,
      },
    );
    assert.equal((await shownCounts()).total, apiPage.totalCount);
    await screenshot(page, 'instance-audit-logs');

    // Kargo lists its own instances.
    await tab(page, 'Kargo').click();
    await page.getByRole('heading', { name: 'Kargo instances' }).waitFor();
    assert.deepEqual(await page.locator('.card-list__name').allTextContents(), ['delivery']);
  });

  it("explains that closed weeks wait for the nightly run when they aren't archived yet", async () => {
    const initech = harness.seed.orgs[2];
    assert.ok(initech);
    await page.goto(auditUrl('', initech.id));
    await page.getByRole('button', { name: 'Archive' }).click();
    const dialog = page.getByRole('dialog', { name: 'Weekly archives' });
    await dialog.getByRole('heading', { name: 'No archives yet' }).waitFor();
    const { weeks, events } = harness.seed.unarchived;
    const detail = (await dialog.locator('.state__detail').textContent()) ?? '';
    assert.match(
      detail,
      new RegExp(
        `^${weeks} closed weeks with ${events} events are waiting for the nightly archive run at 00:30 UTC \\(next: .+ your time\\)\\.`,
      ),
    );
    assert.doesNotMatch(detail, /first archive will be here by/);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
  });

  it('lists the closed demo weeks on the first open, as a fresh `npm start` leaves them', async () => {
    await page.goto(auditUrl());
    await page.getByRole('button', { name: 'Archive' }).click();
    const dialog = page.getByRole('dialog', { name: 'Weekly archives' });
    await dialog.waitFor();
    // One load per open: once it has finished, the rows are what this first open got.
    await dialog.locator('.modal__body[aria-busy="false"]').waitFor();
    const weeks = harness.seed.archivedWeeks;
    assert.ok(weeks.length >= 5, `the demo spans at least five closed weeks (${weeks.length})`);
    assert.equal(await dialog.getByRole('heading', { name: 'No archives yet' }).count(), 0);
    const rowEvents = await dialog.locator('.archives__row td:nth-child(2)').allTextContents();
    assert.deepEqual(
      rowEvents.map((text) => Number(text.replace(/\D/g, ''))),
      weeks.map((week) => week.events),
      'one row per closed week, newest first, each with all of its events',
    );
    const labels = await dialog
      .getByRole('link', { name: /Download the archive of/ })
      .evaluateAll((links) => links.map((link) => link.getAttribute('download')));
    assert.deepEqual(
      labels.map((name) => name?.slice('audit-logs_'.length, 'audit-logs_'.length + 10)),
      weeks.map((week) => week.startDate),
    );
  });

  it('downloads a weekly archive whose bytes match the API sha256', async () => {
    const dialog = page.getByRole('dialog', { name: 'Weekly archives' });
    await dialog.locator('.archives__row').first().waitFor();

    const { body: list } = await api<{
      archives: { startDate: { year: number; month: number; day: number }; sha256: string; records: number }[];
      totalArchivesCount: number;
    }>(`/api/v1/organizations/${orgId()}/audit-logs-archives`, { expect: 200 });
    assert.equal(await dialog.locator('.archives__row').count(), list.totalArchivesCount);
    const newest = list.archives[0];
    assert.ok(newest);
    const firstRow = dialog.locator('.archives__row').first();
    assert.equal(Number((await firstRow.locator('td').nth(1).textContent())?.replace(/\D/g, '')), newest.records);
    await screenshot(page, 'archives');

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      firstRow.getByRole('link', { name: /Download the archive of/ }).click(),
    ]);
    const pad = (value: number) => String(value).padStart(2, '0');
    const start = `${newest.startDate.year}-${pad(newest.startDate.month)}-${pad(newest.startDate.day)}`;
    assert.match(download.suggestedFilename(), new RegExp(`^audit-logs_${start}_\\d{4}-\\d{2}-\\d{2}\\.zip$`));
    const bytes = await saveDownload(download);
    assert.equal(bytes.subarray(0, 4).toString('hex'), '504b0304', 'a ZIP file');
    assert.equal(createHash('sha256').update(bytes).digest('hex'), newest.sha256);

    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
  });

  it('works at 390 px: no sideways scrolling, rows readable', async () => {
    const phone = await context.newPage();
    watch(phone, problems);
    await phone.setViewportSize(PHONE);
    await phone.goto(auditUrl());
    await phone.locator('tbody tr.audit-table__row').first().waitFor();
    await phone.locator('.chart__value').first().waitFor();
    const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `page is ${overflow}px wider than the screen`);
    assert.ok(await phone.getByRole('button', { name: 'Archive' }).isVisible());
    await screenshot(phone, 'audit-logs-mobile');
    await phone.close();
  });

  it('moves through the filters and the table by keyboard, with a visible focus ring', async () => {
    await page.goto(auditUrl());
    await rows(page).first().waitFor();
    await page.getByLabel('Time range').focus();
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => document.activeElement?.id);
    assert.equal(focused, 'filter-actor');
    const ring = await page.evaluate(() => {
      const style = getComputedStyle(document.activeElement as Element);
      return `${style.outlineStyle} ${style.outlineWidth}`;
    });
    assert.match(ring, /^solid [2-9]/, 'focused field shows a focus ring');
    await rows(page).first().locator('.audit-table__open').focus();
    await page.keyboard.press('Enter');
    await page.getByRole('dialog').waitFor();
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'hidden' });
  });

  it('logged no script errors or CSP violations', () => {
    assert.deepEqual(problems, []);
  });
});
