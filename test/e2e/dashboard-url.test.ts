/**
 * The URL is the Audit Logs view's one source of truth, in real Chromium against the real Worker:
 * the Object type field, the chips and the search box are views of it (a qualifier typed in the box
 * shows in its field, a value typed in the field shows in the box and as a chip, removing the chip
 * clears the field), back and forward restore all three; a link with a parameter the view cannot
 * read is an error to fix, never dropped; one filter change is one list request, and the
 * instances are not asked again; the export event shows its time range as dates.
 *
 * Run: `npm run test:e2e`, or `node --test test/e2e/dashboard-url.test.ts` (after `npm run build:web`).
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { api } from './support/api.ts';
import { browserSuite, signedInPage } from './support/browser.ts';
import { type Harness, sharedHarness } from './support/harness.ts';
import { type AxeFinding, axeSeriousViolations } from './support/page-checks.ts';
import { auditUrl, rows, shownTotal } from './support/views.ts';

browserSuite('the URL as the filters’ one source of truth in Chromium', () => {
  let harness: Harness;
  let context: BrowserContext;
  let page: Page;
  let problems: string[] = [];
  const findings: AxeFinding[] = [];
  /** API requests of the page since the last `counted()`, as "METHOD /path" with the org id replaced. */
  let requests: string[] = [];

  const orgId = () => harness.seed.orgs[0]?.id ?? '';
  const search = () => page.getByLabel('Search', { exact: true });
  const typeField = () => page.locator('#filter-object-type');
  const chips = () => page.getByTestId('query-chips').locator('.chips__label').allTextContents();

  /** The list and instances requests since the last call (and starts counting afresh). */
  function counted(): { list: number; instances: number; all: string[] } {
    const all = requests;
    requests = [];
    return {
      list: all.filter((line) => line === 'GET /api/v1/organizations/{org}/audit-logs').length,
      instances: all.filter((line) => line === 'GET /api/v1/organizations/{org}/instances').length,
      all,
    };
  }

  /** The view has settled on the URL (rows or none) and no request is still to come. */
  async function quiet(): Promise<void> {
    await shownTotal(page);
    await page.waitForLoadState('networkidle');
  }

  /**
   * The field and the box once the view shows the URL. Back and forward change the URL first and
   * render after their load, so the values are waited for, not read at once.
   */
  async function shows(field: string, box: string): Promise<void> {
    await page.waitForFunction(
      ([fieldValue, boxValue]) =>
        (document.getElementById('filter-object-type') as HTMLInputElement | null)?.value === fieldValue &&
        (document.getElementById('filter-q') as HTMLInputElement | null)?.value === boxValue,
      [field, box],
      { timeout: 10_000 },
    );
  }

  async function apiTotal(objectType: string): Promise<number> {
    const params = new URLSearchParams({ 'filters.objectType': objectType, 'filters.limit': '1' });
    params.set('filters.startTime', new Date(Date.now() - 7 * 24 * 60 * 60 * 1000).toISOString());
    const answer = await api<{ totalCount: number }>(`/api/v1/organizations/${orgId()}/audit-logs?${params}`, { expect: 200 });
    return answer.body.totalCount;
  }

  before(async () => {
    harness = await sharedHarness();
    ({ context, page, problems } = await signedInPage());
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (url.pathname.startsWith('/api/')) requests.push(`${request.method()} ${url.pathname.replace(orgId(), '{org}')}`);
    });
  });

  after(async () => {
    await context?.close();
    assert.deepEqual(findings, [], 'axe: no serious or critical findings');
    assert.deepEqual(problems, [], 'no script or console errors');
  });

  it('keeps the Object type field, the chips, the search box and the URL in step, back and forward too', async () => {
    await page.goto(auditUrl());
    await quiet();
    const expected = await apiTotal('kargo_promotion');
    assert.ok(expected > 0, 'the demo has Kargo promotions');

    // A qualifier typed in the search box is the field's value: one parameter, shown in three places.
    await search().fill('type:kargo_promotion');
    await search().press('Enter');
    await page.waitForURL((url) => url.searchParams.get('objectType') === 'kargo_promotion' && !url.searchParams.has('q'));
    await shows('kargo_promotion', 'type:kargo_promotion');
    assert.deepEqual(await chips(), ['Object type: kargo_promotion']);
    assert.equal(await shownTotal(page), expected);

    // Removing the chip clears the field and the box.
    await page.getByRole('button', { name: 'Remove type:kargo_promotion from the search' }).click();
    await page.waitForURL((url) => !url.searchParams.has('objectType'));
    await shows('', '');
    assert.deepEqual(await chips(), []);

    // A value typed in the field shows in the box and as a chip; the type matches in any case.
    await typeField().fill('Kargo_Promotion');
    await typeField().press('Enter');
    await page.waitForURL((url) => url.searchParams.get('objectType') === 'Kargo_Promotion');
    await shows('Kargo_Promotion', 'type:Kargo_Promotion');
    assert.deepEqual(await chips(), ['Object type: Kargo_Promotion']);
    assert.equal(await shownTotal(page), expected, 'Kargo_Promotion finds the kargo_promotion events');
    assert.equal(await apiTotal('KARGO_PROMOTION'), expected, 'and so does the API');

    // Back and forward: every view follows the URL.
    await page.goBack();
    await page.waitForURL((url) => !url.searchParams.has('objectType'));
    await shows('', '');
    assert.deepEqual(await chips(), []);
    await page.goBack();
    await page.waitForURL((url) => url.searchParams.get('objectType') === 'kargo_promotion');
    await shows('kargo_promotion', 'type:kargo_promotion');
    assert.deepEqual(await chips(), ['Object type: kargo_promotion']);
    await page.goForward();
    await page.waitForURL((url) => !url.searchParams.has('objectType'));
    await shows('', '');
    await page.goForward();
    await page.waitForURL((url) => url.searchParams.get('objectType') === 'Kargo_Promotion');
    await shows('Kargo_Promotion', 'type:Kargo_Promotion');
    assert.deepEqual(await chips(), ['Object type: Kargo_Promotion']);

    // A link that keeps the qualifier in `q` (older links, hand-written ones) reads the same way,
    // words and exclusions staying in the box after the field's qualifier.
    await page.goto(auditUrl(`?q=${encodeURIComponent('-action:delete type:kargo_promotion')}`));
    await rows(page).first().waitFor();
    await shows('kargo_promotion', 'type:kargo_promotion -action:delete');
    assert.deepEqual(await chips(), ['Object type: kargo_promotion', 'Not action: delete']);
    findings.push(...(await axeSeriousViolations(page, 'object type in field, box and chip')));
  });

  it('shows a parameter it cannot read as an error to fix or remove, and no events until then', async () => {
    await page.waitForLoadState('networkidle');
    requests = [];
    await page.goto(auditUrl('?colour=red&after=notadate&range=bogus&actor=dave%40example.com'));
    const panel = page.getByTestId('url-problems');
    await panel.getByRole('heading', { name: "This link has filters the page can't read" }).waitFor();
    const items = panel.locator('li');
    assert.equal(await items.count(), 3);
    assert.match((await items.nth(0).textContent()) ?? '', /colour=red: "colour" is not a filter of this page\./);
    assert.match((await items.nth(1).textContent()) ?? '', /after=notadate: "after" is not a parameter of this page/);
    assert.match((await items.nth(2).textContent()) ?? '', /range=bogus: "bogus" is not a time range: use 24h, 7d, 30d, custom\./);
    assert.equal(await rows(page).count(), 0, 'no events under a filter that was not applied');
    assert.equal(counted().list, 0, 'the list is not even asked for');
    // The filters it can read still show in their fields.
    assert.equal(await page.locator('#filter-actor').inputValue(), 'dave@example.com');
    findings.push(...(await axeSeriousViolations(page, 'link with unknown filters')));

    await panel.getByRole('link', { name: 'Remove colour=red' }).click();
    await page.waitForURL((url) => !url.searchParams.has('colour'));
    assert.equal(await items.count(), 2);
    assert.equal(new URL(page.url()).searchParams.get('actor'), 'dave@example.com', 'the rest of the link is kept');
    await panel.getByRole('link', { name: 'Remove all 2' }).click();
    await page.waitForURL((url) => !url.searchParams.has('after') && !url.searchParams.has('range'));
    await rows(page).first().waitFor();
    assert.equal(await panel.count(), 0);

    // A malformed date of a custom range is one too, and the Time range field can fix it.
    await page.goto(auditUrl('?range=custom&from=notadate'));
    await panel.locator('li', { hasText: 'from=notadate: "notadate" is not a date and time' }).waitFor();
  });

  it('sends one list request per filter change and never asks for the instances again', async () => {
    await page.waitForLoadState('networkidle');
    counted();
    await page.goto(auditUrl());
    await quiet();
    // A first view (a full load): at most 5 API requests, the list once (docs/DASHBOARD.md, "Requests").
    const first = counted();
    assert.equal(first.list, 1, first.all.join('\n'));
    assert.ok(first.all.length <= 5, first.all.join('\n'));

    // Typing and Enter in a text field: its change and the form's submit are one change.
    await page.locator('#filter-actor').fill('dave@example.com');
    await page.locator('#filter-actor').press('Enter');
    await page.waitForURL((url) => url.searchParams.get('actor') === 'dave@example.com');
    await quiet();
    let after = counted();
    assert.deepEqual([after.list, after.instances], [1, 0], after.all.join('\n'));

    // The same in the search box.
    await search().fill('type:kargo_promotion actor:dave@example.com');
    await search().press('Enter');
    await page.waitForURL((url) => url.searchParams.get('objectType') === 'kargo_promotion');
    await quiet();
    after = counted();
    assert.deepEqual([after.list, after.instances], [1, 0], after.all.join('\n'));

    // Removing a chip, picking a time range, and going back.
    await page.getByRole('button', { name: 'Remove type:kargo_promotion from the search' }).click();
    await page.waitForURL((url) => !url.searchParams.has('objectType'));
    await quiet();
    after = counted();
    assert.deepEqual([after.list, after.instances], [1, 0], after.all.join('\n'));
    await page.getByLabel('Time range').selectOption('30d');
    await page.waitForURL((url) => url.searchParams.get('range') === '30d');
    await quiet();
    after = counted();
    assert.deepEqual([after.list, after.instances], [1, 0], after.all.join('\n'));
    await page.goBack();
    await page.waitForURL((url) => !url.searchParams.has('range'));
    await quiet();
    after = counted();
    assert.deepEqual([after.list, after.instances], [1, 0], after.all.join('\n'));

    // The tab's own link (every filter cleared): the instances are the session's, still not asked again.
    await page.getByRole('navigation', { name: 'Organization sections' }).getByRole('link', { name: 'Audit Logs', exact: true }).click();
    await page.waitForURL((url) => url.search === '');
    await quiet();
    after = counted();
    assert.deepEqual([after.list, after.instances], [1, 0], after.all.join('\n'));
  });

  it('shows the export event’s time range as dates in the view’s zone, not epoch milliseconds', async () => {
    const marker = `url-export-${Math.random().toString(36).slice(2, 10)}@example.com`;
    const start = '2026-11-10T12:00:00.000Z';
    const end = new Date(Date.now() + 60_000).toISOString();
    const params = new URLSearchParams({ 'filters.startTime': start, 'filters.endTime': end, 'filters.actorId': marker });
    // A CSV body is not JSON: asked without the JSON client.
    const exported = await fetch(`${harness.baseUrl}/api/v1/organizations/${orgId()}/csv-audit-logs?${params}`, {
      headers: { authorization: `Bearer ${harness.seed.owner.apiKey}` },
    });
    assert.equal(exported.status, 200);
    await exported.text();
    const listed = await api<{ items: { id: string; timestamp: string; details: { filters?: Record<string, unknown> } }[] }>(
      `/api/v1/organizations/${orgId()}/audit-logs?filters.action=export&filters.limit=20`,
      { expect: 200 },
    );
    const event = listed.body.items.find((item) => item.details.filters?.['filters.actorId'] === marker);
    assert.ok(event, 'the export was recorded');
    const startMs = event.details.filters?.['filters.startTime'];
    assert.equal(startMs, Date.parse(start), 'the record keeps epoch milliseconds (the API shape is unchanged)');

    await page.goto(auditUrl(`?action=export&event=${encodeURIComponent(event.id)}&at=${encodeURIComponent(event.timestamp)}`));
    const drawer = page.getByRole('dialog');
    await drawer.getByRole('heading', { name: 'More details' }).waitFor();
    const filters = drawer.locator('dt', { hasText: /^filters$/ }).locator('xpath=following-sibling::dd[1]');
    const text = (await filters.textContent()) ?? '';
    // New York time: 12:00 UTC is 07:00 EST.
    assert.match(text, /startTime: Nov 10, 2026, 07:00:00\.000 EST/);
    assert.match(text, /actorId: url-export-/);
    assert.doesNotMatch(text, /\d{13}/, 'no epoch milliseconds');
    findings.push(...(await axeSeriousViolations(page, 'export event details')));
  });
});
