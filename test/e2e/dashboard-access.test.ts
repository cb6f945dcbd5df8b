/**
 * The dashboard as compliance owners and accessibility reviewers use it, in real Chromium against
 * the real Worker (wrangler dev, seeded like a first `npm start`, see support/seed.ts): the first
 * view's request budget, loading states that never pass old rows off as new, stated matching
 * rules, long values, named time zones, keyboard focus, one live region, and a URL per event;
 * axe-core (from node_modules) over every state: no serious or critical violation. The tests run
 * in order on one page. Archives, other pages and phones: dashboard-access-pages.test.ts.
 *
 * Run: `npm run test:e2e`, or `node --test test/e2e/dashboard-access.test.ts` (after `npm run build:web`).
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { BrowserContext, Page, Route } from 'playwright-core';
import { api } from './support/api.ts';
import { browserSuite, newContext, signIn, ZONE } from './support/browser.ts';
import { type Harness, sharedHarness } from './support/harness.ts';
import { type AxeFinding, axeSeriousViolations, focused, pageLiveRegions } from './support/page-checks.ts';
import { auditUrl, rows, settled } from './support/views.ts';

const LONG_ACTOR = `system:serviceaccount:argocd:${'application-controller-with-a-very-long-name-'.repeat(2)}end`.slice(0, 120);
const LONG_EVENT_ID = 'evt-long-values-0001';
/** The states this file checks with axe-core (dashboard-access-pages.test.ts checks 24 more). */
const AXE_STATES = 8;
/** The page's live regions outside dialogs: the Saved views menu's (in the header actions) and the events table's, in page order. */
const PAGE_LIVE_REGIONS = ['p.visually-hidden[saved-views-status]', 'p.visually-hidden[audit-status]'];

browserSuite('dashboard for compliance users and accessibility reviewers', () => {
  let harness: Harness;
  let context: BrowserContext;
  let page: Page;
  const findings: AxeFinding[] = [];
  const facetStatuses: number[] = [];
  const statesChecked: string[] = [];

  const orgId = () => harness.seed.orgs[0]?.id ?? '';
  const status = (target: Page = page) => target.getByTestId('audit-status');

  async function axe(state: string, target: Page = page): Promise<void> {
    findings.push(...(await axeSeriousViolations(target, state)));
    statesChecked.push(state);
  }

  before(async () => {
    harness = await sharedHarness();
    context = await newContext();
    page = await context.newPage();
    page.on('response', (response) => {
      if (response.url().includes('/audit-logs-facets?')) facetStatuses.push(response.status());
    });
    // An event with long values, the newest of the demo organization.
    await api(`/api/v1/organizations/${orgId()}/audit-logs`, {
      method: 'POST',
      body: {
        id: LONG_EVENT_ID,
        timestamp: new Date(Date.now() - 1000).toISOString(),
        action: 'download',
        actor: { type: 'service', id: LONG_ACTOR },
        object: { type: 'argocd_application', id: { name: `payments-${'x'.repeat(150)}-api` } },
        details: { message: `Downloaded ${'a very long message '.repeat(30)}` },
      },
      expect: 201,
    });
  });

  after(async () => {
    await context?.close();
  });

  it('signs in to the first rows with 5 API requests (no /me: the sign-in answer is it; one histogram, one checkpoint), focus on the heading', async () => {
    const times: number[] = [];
    for (let run = 0; run < 5; run += 1) {
      const fresh = await newContext();
      const target = await fresh.newPage();
      await target.goto(`${harness.baseUrl}/sign-in`);
      if (run === 0) {
        // The page is rendered in the browser: check it once it is there, not the empty shell.
        await target.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
        await axe('sign-in', target);
        await target.getByLabel('API key').fill('alk_wrong');
        await target.getByRole('button', { name: 'Sign in', exact: true }).click();
        await target.getByRole('alert').waitFor();
        await axe('sign-in error', target);
      }
      const calls: string[] = [];
      const detail: string[] = [];
      target.on('request', (request) => {
        const url = new URL(request.url());
        if (url.pathname.startsWith('/api/')) {
          calls.push(`${request.method()} ${url.pathname.replace(orgId(), '{org}')}`);
          detail.push(`${request.method()} ${url.pathname}${url.search}`);
        }
      });
      await target.getByLabel('API key').fill(harness.seed.owner.apiKey);
      const started = Date.now();
      await target.getByRole('button', { name: 'Sign in', exact: true }).click();
      await rows(target).first().waitFor();
      times.push(Date.now() - started);
      await settled(target);
      await target.waitForTimeout(500);
      assert.deepEqual(
        calls.sort(),
        [
          'GET /api/v1/organizations/{org}/audit-log-checkpoints',
          'GET /api/v1/organizations/{org}/audit-logs',
          'GET /api/v1/organizations/{org}/audit-logs-histogram',
          'GET /api/v1/organizations/{org}/instances',
          'POST /api/v1/auth/session',
        ],
        detail.join('\n'),
      );
      // Focus continues on the new page's heading, not <body>.
      assert.deepEqual(await target.evaluate(() => [document.activeElement?.tagName, document.activeElement?.textContent]), [
        'H1',
        'Audit Logs',
      ]);
      await fresh.close();
    }
    const median = [...times].sort((a, b) => a - b)[2];
    console.log(`[e2e] first view: 5 API requests; sign-in click to first rows, median of 5: ${median} ms (${times.join(', ')})`);
    await signIn(page, harness.seed.owner.apiKey);
    await settled(page);
    await axe('audit logs');
  });

  it('shows the first rows without waiting for the instances: a placeholder where a name goes, never an id, no layout shift', async () => {
    const fresh = await newContext();
    const target = await fresh.newPage();
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    // The instances answer late (held here); the list, chart and checkpoint answer as usual.
    await target.route(/\/instances\?includeDeleted=true$/, async (route: Route) => {
      await held;
      await route.continue();
    });
    await signIn(target, harness.seed.owner.apiKey);
    await settled(target);
    const pending = target.getByTestId('instance-name-pending');
    const withInstance = target.locator('tbody tr.audit-table__row:not([data-instance-id=""])');
    assert.ok((await withInstance.count()) > 0, 'the first page has events of an instance');
    assert.equal(await pending.count(), await withInstance.count(), 'each row of an instance holds a placeholder');
    const ids = await withInstance.evaluateAll((elements) => elements.map((element) => element.getAttribute('data-instance-id') ?? ''));
    const tableText = (await target.locator('#audit-events tbody').textContent()) ?? '';
    assert.ok(!ids.some((id) => tableText.includes(id)), 'no instance id is shown in place of a name');
    // Layout shifts from here on: the names arriving must not move what is on screen.
    await target.evaluate(() => {
      const seen = globalThis as unknown as { layoutShift: number };
      seen.layoutShift = 0;
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) seen.layoutShift += (entry as PerformanceEntry & { value: number }).value;
      }).observe({ type: 'layout-shift' });
    });
    release();
    await pending.first().waitFor({ state: 'detached' });
    const { body: listed } = await api<{ instances: { id: string; name: string }[] }>(
      `/api/v1/organizations/${orgId()}/instances?includeDeleted=true`,
      { expect: 200 },
    );
    const firstName = listed.instances.find((instance) => instance.id === ids[0])?.name ?? '';
    assert.ok(firstName && (await withInstance.first().textContent())?.includes(firstName), `the row names ${firstName}`);
    await target.waitForTimeout(300);
    const shift = await target.evaluate(() => (globalThis as unknown as { layoutShift: number }).layoutShift);
    assert.ok(shift < 0.05, `cumulative layout shift after the names arrived: ${shift}`);
    await fresh.close();
  });

  it('marks rows and counts as loading while new filters load, in one live region', async () => {
    // The table's status, and the Saved views menu's own (it speaks only of saves, renames and deletes).
    assert.deepEqual(await pageLiveRegions(page), PAGE_LIVE_REGIONS, 'one live region for the events outside dialogs');
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const hold = async (route: Route) => {
      await held;
      await route.continue().catch(() => undefined);
    };
    await page.route(/\/audit-logs\?/, hold);
    await page.getByLabel('Actor').fill(harness.seed.filterActor.id);
    await page.getByLabel('Actor').press('Enter');
    await status().filter({ hasText: 'Loading events…' }).waitFor({ state: 'attached' });
    const frame = page.locator('.table-frame');
    assert.equal(await frame.getAttribute('aria-busy'), 'true');
    assert.equal(await frame.evaluate((element) => element.hasAttribute('inert')), true, 'the old rows cannot be opened');
    assert.equal(
      await page
        .locator('.results-bar__count')
        .textContent()
        .then((text) => text?.trim()),
      'Loading events…',
    );
    assert.equal(
      await page
        .locator('.chart__total')
        .textContent()
        .then((text) => text?.trim()),
      'Counting…',
    );
    await axe('loading other filters');
    release();
    await page.unroute(/\/audit-logs\?/, hold);
    await status()
      .filter({ hasText: /^Showing \d+ of [\d,]+ events?\.$/ })
      .waitFor({ state: 'attached' });
    assert.equal(await frame.getAttribute('aria-busy'), 'false');
    assert.deepEqual(await pageLiveRegions(page), PAGE_LIVE_REGIONS);
  });

  it('states how each filter matches, and asks the facets endpoint for suggestions (rows as fallback)', async () => {
    const description = (label: string) =>
      page.getByLabel(label, { exact: true }).evaluate((input) => {
        const ids = (input.getAttribute('aria-describedby') ?? '').split(' ');
        return ids.map((id) => document.getElementById(id)?.textContent?.trim()).join(' ');
      });
    assert.equal(await description('Actor'), 'Whole value, any case');
    assert.equal(await description('Action'), 'Whole value, any case');
    assert.match(await description('Search'), /Beginnings of words: at least 2 letters or digits each, at most 8 words/);
    // The Actor field was used in the test before: that first use asked for the three facets.
    await page.getByLabel('Action', { exact: true }).focus();
    await page.waitForFunction(() => document.querySelectorAll('#filter-action-options option').length > 0);
    await page.waitForTimeout(300);
    assert.equal(facetStatuses.length, 3, 'one request per facet, on first use only');
    // 404 until the Worker has the endpoint; the loaded rows' values are offered then.
    assert.ok(facetStatuses.every((code) => code === 200 || code === 404));
    const actors = await page
      .locator('#filter-actor-options option')
      .evaluateAll((options) => options.map((option) => option.getAttribute('value')));
    assert.ok(actors.includes(harness.seed.filterActor.id));
  });

  it('shows long values whole (wrapped, never cut) and names the time zone of every time', async () => {
    await page.goto(auditUrl());
    await settled(page);
    const row = page.locator(`tr[data-event-id="${LONG_EVENT_ID}"]`);
    const actor = row.locator('.audit-table__actor-id');
    assert.equal((await actor.textContent())?.trim(), LONG_ACTOR);
    for (const cell of ['actor', 'object', 'action', 'details']) {
      const clipped = await row.locator(`td[data-column="${cell}"]`).evaluate((td) => td.scrollWidth > td.clientWidth + 1);
      assert.equal(clipped, false, `${cell} cell is not cut`);
    }
    const badge = row.locator('.badge');
    assert.equal((await badge.textContent())?.trim(), 'download');
    assert.ok(await badge.evaluate((element) => element.scrollWidth <= element.clientWidth + 1), 'action badge shows the whole action');
    assert.ok(((await actor.boundingBox())?.height ?? 0) > 30, 'the long actor wraps onto several lines');

    const header = page.getByRole('columnheader').first();
    assert.equal((await header.textContent())?.trim(), `Timestamp (${ZONE})`);
    assert.match((await rows(page).first().locator('.audit-table__open').getAttribute('aria-label')) ?? '', new RegExp(`${ZONE}$`));
    assert.match((await page.locator('.results-bar__range').textContent()) ?? '', new RegExp(`– now \\(${ZONE}\\)`));
    assert.match((await page.locator('#chart-title').textContent()) ?? '', new RegExp(`\\(${ZONE}\\)`));
    assert.ok(await page.getByRole('table', { name: `Audit events, newest first, times in ${ZONE}` }).isVisible());
    await page.getByRole('link', { name: 'UTC', exact: true }).click();
    await page.waitForURL((url) => url.searchParams.get('utc') === '1');
    assert.equal((await header.textContent())?.trim(), 'Timestamp (UTC)');
    assert.match((await page.locator('#chart-title').textContent()) ?? '', /\(UTC\)/);
    // The zone switch keeps focus where it was (the link), not <body>.
    assert.equal((await focused(page))?.label, 'UTC');
    await page.getByRole('link', { name: 'Local', exact: true }).click();
    await page.waitForURL((url) => !url.searchParams.has('utc'));
    await axe('long values');
  });

  it('skips to the content and the table: no chart bar is a Tab stop, every stop shows its focus', async () => {
    await page.goto(auditUrl());
    await settled(page);
    await page.keyboard.press('Tab');
    assert.deepEqual(await focused(page).then((state) => [state?.label, state?.visible]), ['Skip to main content', true]);
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'main-content');

    // Every stop from the top of the page to the first row.
    await page.goto(auditUrl());
    await settled(page);
    const stops: string[] = [];
    for (let press = 0; press < 40; press += 1) {
      await page.keyboard.press('Tab');
      const state = await focused(page);
      assert.ok(state, 'focus never falls to <body>');
      assert.ok(state.visible, `focus is visible on ${state.tag} "${state.label}" (${state.outline})`);
      stops.push(state.label);
      if (await page.evaluate(() => document.activeElement?.classList.contains('audit-table__open'))) break;
    }
    assert.ok(stops.at(-1)?.startsWith('Open details of'), `reached the first row: ${stops.join(' | ')}`);
    assert.ok(!stops.some((label) => /^\d[\d,]* events? from|^Counting events/.test(label)), 'no chart bar in the Tab order');
    console.log(`[e2e] Tab stops from the top to the first row: ${stops.length}; with "Skip to the events table": 2`);
    // 21 before the Webhooks and Settings tabs, the search syntax help, the Objects toggle and the
    // account links (Passkeys, Sessions), then the Log streams tab and "How to check" of the
    // Verified through line, then the Saved views menu; the skip link keeps the table 2 stops away.
    assert.ok(stops.length <= 30, `${stops.length} stops`);

    await page.goto(auditUrl());
    await settled(page);
    await page.getByRole('link', { name: 'Skip to the events table' }).focus();
    await page.keyboard.press('Enter');
    await page.keyboard.press('Tab');
    assert.match((await focused(page))?.label ?? '', /^Open details of/);
  });

  it('keeps focus sensible: Load more continues on the first new row, Clear filters on the first filter', async () => {
    await page.getByRole('button', { name: 'Load more' }).focus();
    assert.equal(await rows(page).count(), 50, 'only 50 rows before loading more');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelectorAll('tbody tr.audit-table__row').length > 50);
    await page.waitForFunction(() => document.activeElement?.closest('tr')?.getAttribute('data-event-id') !== null);
    const row51 = await rows(page).nth(50).getAttribute('data-event-id');
    assert.equal(await page.evaluate(() => document.activeElement?.closest('tr')?.getAttribute('data-event-id')), row51);
    assert.ok((await focused(page))?.visible);
    await status()
      .filter({ hasText: /^Showing 100 of/ })
      .waitFor({ state: 'attached' });

    await page.goto(auditUrl(`?actor=${encodeURIComponent(harness.seed.filterActor.id)}`));
    await settled(page);
    await page.getByRole('button', { name: 'Clear filters' }).focus();
    await page.keyboard.press('Enter');
    await page.waitForURL((url) => !url.searchParams.has('actor'));
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'filter-range');

    // The empty state's Clear filters does the same.
    await page.goto(auditUrl('?q=zzqqxxnothing'));
    await page.getByRole('heading', { name: 'No events match these filters' }).waitFor();
    await status().filter({ hasText: 'No events match these filters.' }).waitFor({ state: 'attached' });
    assert.deepEqual(await pageLiveRegions(page), PAGE_LIVE_REGIONS, 'the empty state is not a second live region');
    await axe('no events match');
    await page.locator('.state').getByRole('button', { name: 'Clear filters' }).focus();
    await page.keyboard.press('Enter');
    await page.waitForURL((url) => !url.searchParams.has('q'));
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'filter-range');
  });

  it('gives each opened event a URL; Escape returns focus to the row of the event shown', async () => {
    await settled(page);
    const ids = await rows(page).evaluateAll((elements) => elements.slice(0, 3).map((element) => element.getAttribute('data-event-id')));
    await rows(page).first().locator('.audit-table__open').focus();
    await page.keyboard.press('Enter');
    const drawer = page.getByRole('dialog', { name: /^Event details: / });
    await drawer.waitFor();
    await page.waitForURL((url) => url.searchParams.get('event') === ids[0]);
    const name = (await drawer.getAttribute('aria-label')) ?? '';
    assert.match(name, /^Event details: \S+ .+, .+ (E[SD]T|GMT[+-]\d+)$/, name);
    await axe('event details');
    // Every control of the drawer shows its focus, up to the raw JSON (a focusable scrolling region).
    for (let press = 0; press < 14; press += 1) {
      await page.keyboard.press('Tab');
      const state = await focused(page);
      assert.ok(state?.visible, `focus visible in the drawer on ${state?.tag} "${state?.label}"`);
      if (await page.evaluate(() => document.activeElement?.classList.contains('drawer__raw'))) break;
    }
    assert.equal(await page.evaluate(() => document.activeElement?.classList.contains('drawer__raw')), true);
    // Two quick steps are two steps, even when the second comes before the first one's navigation ends.
    await page.keyboard.press('j');
    await page.keyboard.press('j');
    await page.waitForURL((url) => url.searchParams.get('event') === ids[2]);
    await page.keyboard.press('Escape');
    await drawer.waitFor({ state: 'hidden' });
    await page.waitForURL((url) => !url.searchParams.has('event'));
    assert.equal(await page.evaluate(() => document.activeElement?.closest('tr')?.getAttribute('data-event-id')), ids[2]);

    // Reload (or a shared link) reopens the drawer on that event.
    await rows(page).nth(1).locator('.audit-table__open').click();
    await page.waitForURL((url) => url.searchParams.get('event') === ids[1]);
    const link = page.url();
    await page.reload();
    const raw = JSON.parse((await drawer.locator('.drawer__raw').textContent()) ?? '') as { id: string };
    assert.equal(raw.id, ids[1]);
    await drawer.getByRole('button', { name: 'Copy link to this event' }).click();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), link);
    await page.keyboard.press('Escape');

    // An event outside the link's filters (older than its 24 hours) still opens, fetched by its time.
    const { body: old } = await api<{ items: { id: string; timestamp: string }[] }>(
      `/api/v1/organizations/${orgId()}/audit-logs?filters.endTime=${new Date(Date.now() - 10 * 86_400_000).toISOString()}&filters.limit=1`,
      { expect: 200 },
    );
    const oldEvent = old.items[0];
    assert.ok(oldEvent);
    await page.goto(auditUrl(`?range=24h&event=${oldEvent.id}&at=${encodeURIComponent(oldEvent.timestamp)}`));
    await drawer.waitFor();
    assert.equal((JSON.parse((await drawer.locator('.drawer__raw').textContent()) ?? '') as { id: string }).id, oldEvent.id);
    await page.keyboard.press('Escape');

    // A link to an event that isn't there says so, and leads back.
    await page.goto(auditUrl(`?event=evt-does-not-exist&at=${encodeURIComponent(oldEvent.timestamp)}`));
    await page.getByRole('alert').filter({ hasText: "is not in this organization's audit log" }).waitFor();
    await axe('linked event missing');
    await page.getByRole('button', { name: 'Back to the list' }).click();
    await page.waitForURL((url) => !url.searchParams.has('event'));
  });

  it('has no serious or critical axe-core violation in these states', () => {
    console.log(
      `[e2e] axe-core: ${statesChecked.length} states checked (${statesChecked.join(', ')}), ${findings.length} serious/critical violations`,
    );
    assert.ok(statesChecked.length >= AXE_STATES, `${statesChecked.length} states`);
    assert.deepEqual(findings, []);
  });
});
