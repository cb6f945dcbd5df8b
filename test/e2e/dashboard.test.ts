/**
 * Longer than 300 lines: one signed-in browser session walks the whole flow in order; splitting it
 * would repeat the sign-in and the seeded server.
 *
 * The dashboard in real Chromium against the real Worker (wrangler dev, local D1/R2/queue).
 * The server is started and seeded like a first `npm start` (the demo organization with its closed
 * weeks archived), plus two more organizations (see harness.ts). The tests of this file run in
 * order and share one signed-in page, like a user's session:
 * sign in → browse → filter → details → load more → switch org → instance → archive → sign out.
 *
 * Run: node --test --test-concurrency=1 test/e2e/   (after `vite build web`)
 * Screenshots: into docs/screenshots/ with UPDATE_SCREENSHOTS=1, else .wrangler/e2e-screenshots/.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Download, Page } from 'playwright-core';
import { type Harness, hasBuiltDashboard, hasChromium, launchBrowser, ROOT, SKIP_MESSAGE, startHarness } from './harness.ts';

const skip = !hasChromium() ? SKIP_MESSAGE : !hasBuiltDashboard() ? 'SKIPPED: web/build is missing (run `vite build web` first)' : false;
if (skip) console.log(skip);

const SCREENSHOT_DIR = process.env.UPDATE_SCREENSHOTS === '1' ? join(ROOT, 'docs/screenshots') : join(ROOT, '.wrangler/e2e-screenshots');
const DESKTOP = { width: 1280, height: 860 };
const PHONE = { width: 390, height: 844 };
/** The browser's zone differs from UTC so local/UTC rendering is really exercised. */
const CONTEXT_OPTIONS = { locale: 'en-US', timezoneId: 'America/New_York', acceptDownloads: true } as const;

interface ApiPage {
  items: { id: string; actor: { id: string }; instanceId: string | null }[];
  totalCount: number;
}

describe('dashboard in Chromium', { skip }, () => {
  let harness: Harness;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const problems: string[] = [];

  const orgId = () => harness.seed.orgs[0]?.id ?? '';
  const rows = () => page.locator('tbody tr.audit-table__row');
  const auditUrl = (id = orgId()) => `${harness.baseUrl}/orgs/${id}/audit-logs`;
  const tab = (name: string) => page.getByRole('navigation', { name: 'Organization sections' }).getByRole('link', { name, exact: true });

  /** Owner-key API call, to check what the UI shows against the API itself. */
  async function api<T>(path: string): Promise<T> {
    const response = await fetch(harness.baseUrl + path, {
      headers: { authorization: `Bearer ${harness.seed.owner.apiKey}` },
    });
    assert.equal(response.status, 200, `${path} → ${response.status}`);
    return (await response.json()) as T;
  }

  /** The `filters.*` of the current view, read from its Export CSV link (what the UI asked for). */
  async function viewFilters(): Promise<URLSearchParams> {
    const href = await page.getByRole('link', { name: 'Export CSV' }).getAttribute('href');
    assert.ok(href, 'Export CSV link has an href');
    return new URL(href, harness.baseUrl).searchParams;
  }

  /** The "Showing X of N events" numbers. */
  async function shownCounts(): Promise<{ shown: number; total: number }> {
    const text = (await page.locator('.results-bar__count').textContent()) ?? '';
    const match = /Showing\s+([\d,]+)\s+of\s+([\d,]+)\s+events?/.exec(text.replace(/\s+/g, ' '));
    assert.ok(match, `results line reads "${text}"`);
    return { shown: Number(match[1]?.replace(/,/g, '')), total: Number(match[2]?.replace(/,/g, '')) };
  }

  async function screenshot(target: Page, name: string): Promise<void> {
    // Let the chart finish counting first (when the page has one), so pictures are complete.
    if ((await target.locator('.chart').count()) > 0) {
      await target.locator('.chart__total', { hasText: 'in range' }).waitFor();
    }
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    await target.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`) });
  }

  function watch(target: Page): void {
    target.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
    target.on('console', (message) => {
      // 401/403 answers are expected (signed-out checks, the member test); the browser logs them.
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) {
        problems.push(`console: ${message.text()}`);
      }
    });
  }

  async function saveDownload(download: Download): Promise<Buffer> {
    const path = await download.path();
    return readFileSync(path);
  }

  before(async () => {
    harness = await startHarness();
    browser = await launchBrowser();
    context = await browser.newContext({ ...CONTEXT_OPTIONS, viewport: DESKTOP });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: harness.baseUrl });
    page = await context.newPage();
    watch(page);
  });

  after(async () => {
    await browser?.close();
    await harness?.stop();
  });

  it('sends a signed-out visitor to sign-in, and signs in with an owner API key', async () => {
    await page.goto(auditUrl());
    await page.waitForURL(/\/sign-in\?next=/);
    await page.getByText('You are not signed in, or your session has expired').waitFor();

    await page.getByLabel('API key').fill('alk_not-a-real-key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').waitFor();

    await page.getByLabel('API key').fill(harness.seed.owner.apiKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    // `next` brings the user back to the page they asked for.
    await page.waitForURL(auditUrl());
    await page.getByRole('heading', { level: 1, name: 'Audit Logs' }).waitFor();
    await rows().first().waitFor();
    assert.equal(await page.locator('.app-header__email').textContent(), harness.seed.owner.email);
    assert.equal(await rows().count(), 50, 'first page is 50 rows');
    const { total } = await shownCounts();
    const apiTotal = (await api<ApiPage>(`/api/v1/organizations/${orgId()}/audit-logs?${await viewFilters()}&filters.limit=1`)).totalCount;
    assert.equal(total, apiTotal, 'the total shown is the API total for the same filters');
    assert.ok(total >= 120, `enough events to page through (${total})`);
    // The chart counted every event of the range too.
    await page.locator('.chart__total').getByText(`${total} events in range`).waitFor();
    await screenshot(page, 'audit-logs');
  });

  it('loads more rows by cursor, without repeats, newest first', async () => {
    await page.getByRole('button', { name: 'Load more' }).click();
    await page.waitForFunction(() => document.querySelectorAll('tbody tr.audit-table__row').length > 50);
    assert.equal(await rows().count(), 100);
    const ids = await rows().evaluateAll((elements) => elements.map((element) => element.getAttribute('data-event-id')));
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

    const filters = await viewFilters();
    assert.deepEqual(filters.getAll('filters.actorId'), [actor]);
    const apiPage = await api<ApiPage>(`/api/v1/organizations/${orgId()}/audit-logs?${filters}&filters.limit=1000`);
    assert.ok(apiPage.items.every((item) => item.actor.id === actor));
    assert.equal((await shownCounts()).total, apiPage.totalCount);
    assert.equal(await rows().count(), Math.min(50, apiPage.totalCount));

    // A reload (or a shared link) shows the same view.
    await page.reload();
    await rows().first().waitFor();
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
    const row = rows()
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
    const nextRaw = JSON.parse((await nextRawText.textContent()) ?? '') as { id: string };
    assert.notEqual(nextRaw.id, eventId);

    await page.keyboard.press('Escape');
    await drawer.waitFor({ state: 'hidden' });
  });

  it('toggles UTC without reloading rows', async () => {
    const first = rows().first().locator('time');
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
    await rows().first().waitFor();
    // Signed in with Acme's key, the session is Acme's alone: each key acts in its own organization.
    assert.deepEqual(await page.getByLabel('Organization', { exact: true }).locator('option').allTextContents(), ['Acme']);
    for (const other of harness.seed.orgs.slice(1)) {
      await page.getByRole('link', { name: 'Add organization' }).click();
      await page.getByRole('heading', { name: 'Add an organization' }).waitFor();
      await page.getByLabel('API key').fill(other.apiKey);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL((url) => !url.pathname.startsWith('/sign-in'));
      await page.goto(auditUrl());
      await rows().first().waitFor();
    }
    const switcher = page.getByLabel('Organization', { exact: true });
    assert.deepEqual(
      await switcher.locator('option').allTextContents(),
      harness.seed.orgs.map((org) => org.name),
    );
    await switcher.selectOption(globex.id);
    await page.waitForURL(auditUrl(globex.id));
    await page.getByText('edge-proxy').first().waitFor();
    const instanceIds = await rows().evaluateAll((elements) => elements.map((element) => element.getAttribute('data-instance-id')));
    assert.ok(!instanceIds.includes(harness.seed.instances.production), 'no Acme events in Globex');

    // Globex has no closed week yet: the archive list says when the first archive will appear.
    await page.getByRole('button', { name: 'Archive' }).click();
    const dialog = page.getByRole('dialog', { name: 'Weekly archives' });
    await dialog.getByRole('heading', { name: 'No archives yet' }).waitFor();
    assert.match((await dialog.locator('.state__detail').textContent()) ?? '', /first archive will be here by .+ 00:30 UTC/);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });

    await page.getByLabel('Organization', { exact: true }).selectOption(acme.id);
    await page.waitForURL(auditUrl(acme.id));

    // An organization the user doesn't belong to is a clear "not found" page.
    await page.goto(auditUrl('org_does_not_exist'));
    await page.getByRole('heading', { level: 1, name: 'Page not found' }).waitFor();
    assert.ok(await page.getByText("This organization doesn't exist or you're not a member of it.").isVisible());
  });

  it('opens an instance from the Argo CD tab, with its own audit log scoped to it', async () => {
    await page.goto(auditUrl());
    await tab('Argo CD').click();
    await page.getByRole('heading', { name: 'Argo CD instances' }).waitFor();
    assert.deepEqual((await page.locator('.card-list__name').allTextContents()).sort(), ['production', 'staging']);
    await page.getByRole('link', { name: /production/ }).click();
    const instanceId = harness.seed.instances.production;
    await page.waitForURL(`${harness.baseUrl}/orgs/${orgId()}/instances/${instanceId}/audit-logs`);
    await page.getByRole('heading', { level: 1, name: 'production' }).waitFor();
    await rows().first().waitFor();
    // The Argo CD tab stays lit, and the instance filter is fixed (not offered).
    assert.equal(await tab('Argo CD').getAttribute('aria-current'), 'page');
    assert.equal(await page.getByLabel('Instance', { exact: true }).count(), 0);
    const instanceIds = await rows().evaluateAll((elements) => elements.map((element) => element.getAttribute('data-instance-id')));
    assert.deepEqual(new Set(instanceIds), new Set([instanceId]));
    const filters = await viewFilters();
    const apiPage = await api<ApiPage>(`/api/v1/organizations/${orgId()}/instances/${instanceId}/audit-logs?${filters}&filters.limit=1`);
    assert.equal((await shownCounts()).total, apiPage.totalCount);
    await screenshot(page, 'instance-audit-logs');

    // Kargo lists its own instances.
    await tab('Kargo').click();
    await page.getByRole('heading', { name: 'Kargo instances' }).waitFor();
    assert.deepEqual(await page.locator('.card-list__name').allTextContents(), ['delivery']);
  });

  it("explains that closed weeks wait for the nightly run when they aren't archived yet", async () => {
    const initech = harness.seed.orgs[2];
    assert.ok(initech);
    await page.goto(auditUrl(initech.id));
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

    const list = await api<{
      archives: { startDate: { year: number; month: number; day: number }; sha256: string; records: number }[];
      totalArchivesCount: number;
    }>(`/api/v1/organizations/${orgId()}/audit-logs-archives`);
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
    watch(phone);
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
    await rows().first().waitFor();
    await page.getByLabel('Time range').focus();
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => document.activeElement?.id);
    assert.equal(focused, 'filter-actor');
    const ring = await page.evaluate(() => {
      const style = getComputedStyle(document.activeElement as Element);
      return `${style.outlineStyle} ${style.outlineWidth}`;
    });
    assert.match(ring, /^solid [2-9]/, 'focused field shows a focus ring');
    await rows().first().locator('.audit-table__open').focus();
    await page.keyboard.press('Enter');
    await page.getByRole('dialog').waitFor();
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'hidden' });
  });

  it('signs out: the session is gone and pages ask to sign in again', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/sign-in\?signed-out=1$/);
    await page.getByText('You have signed out.').waitFor();
    const me = await page.evaluate(async () => (await fetch('/api/v1/me')).status);
    assert.equal(me, 401);
    await page.goto(auditUrl());
    await page.waitForURL(/\/sign-in\?next=/);
  });

  it('shows a member (non-owner) the 403 page and never a row', async () => {
    const memberContext = await browser.newContext({ ...CONTEXT_OPTIONS, viewport: DESKTOP });
    const member = await memberContext.newPage();
    watch(member);
    const auditRequests: string[] = [];
    member.on('request', (request) => {
      if (/\/api\/v1\/organizations\/[^/]+\/(instances\/[^/]+\/)?(csv-)?audit-logs/.test(request.url())) {
        auditRequests.push(request.url());
      }
    });
    await member.goto(`${harness.baseUrl}/sign-in`);
    await member.getByLabel('API key').fill(harness.seed.memberApiKey);
    await member.getByRole('button', { name: 'Sign in' }).click();
    await member.waitForURL(auditUrl());
    await member.getByRole('heading', { level: 1, name: 'Access denied' }).waitFor();
    await member.getByText('Audit logs are available to organization owners').waitFor();
    assert.equal(await member.locator('tbody tr').count(), 0);
    assert.equal(await member.getByRole('button', { name: 'Archive' }).count(), 0);
    assert.equal(await member.getByRole('link', { name: 'Export CSV' }).count(), 0);
    // Only the member's organization is offered.
    assert.deepEqual(await member.getByLabel('Organization', { exact: true }).locator('option').allTextContents(), ['Acme']);

    // An instance's audit log is owner-only too; the instance list itself is readable.
    await member.goto(`${harness.baseUrl}/orgs/${orgId()}/instances/${harness.seed.instances.production}/audit-logs`);
    await member.getByText('Audit logs are available to organization owners').waitFor();
    assert.equal(await member.locator('tbody tr').count(), 0);
    assert.deepEqual(auditRequests, [], 'the dashboard never asked for audit events');
    await screenshot(member, 'forbidden');
    await memberContext.close();
  });

  it('logged no script errors or CSP violations', () => {
    assert.deepEqual(problems, []);
  });
});

/** A small RFC 4180 reader (quoted fields may hold commas, quotes and line breaks). */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index];
    if (quoted) {
      if (char === '"' && text[index + 1] === '"') {
        field += '"';
        index += 1;
      } else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      record.push(field);
      field = '';
    } else if (char === '\n' || char === '\r') {
      if (char === '\r' && text[index + 1] === '\n') index += 1;
      record.push(field);
      records.push(record);
      record = [];
      field = '';
    } else field += char;
  }
  if (field !== '' || record.length > 0) {
    record.push(field);
    records.push(record);
  }
  return records;
}
