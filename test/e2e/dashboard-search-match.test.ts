/**
 * Why an event matched, in real Chromium against the real Worker: an IP address pasted into the
 * search (and `ip:` with a CIDR prefix) finds the events from it, what the search matched is marked
 * in the row and in the details, every field the search reads (the Kargo project too) is shown in
 * the details, and an empty result names the filter that removed everything. Over the demo events
 * (Dave acts from 198.51.100.77) and a few added in `before`.
 *
 * Run: `npm run test:e2e`, or `node --test test/e2e/dashboard-search-match.test.ts` (after `npm run build:web`).
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { api } from './support/api.ts';
import { browserSuite, signedInPage } from './support/browser.ts';
import { type Harness, sharedHarness } from './support/harness.ts';
import { type AxeFinding, axeSeriousViolations } from './support/page-checks.ts';
import { auditUrl, rows, shownTotal, viewFilters } from './support/views.ts';

const ACTOR = 'ledger-bot@example.com';
const PROJECT = 'ledgerwise';

browserSuite('search: IP addresses, marks and the empty result in Chromium', () => {
  let harness: Harness;
  let context: BrowserContext;
  let page: Page;
  const findings: AxeFinding[] = [];
  let problems: string[] = [];

  const orgId = () => harness.seed.orgs[0]?.id ?? '';
  const search = () => page.getByLabel('Search', { exact: true });

  async function apiTotal(params: URLSearchParams): Promise<number> {
    params.set('filters.limit', '1');
    const answer = await api<{ totalCount: number }>(`/api/v1/organizations/${orgId()}/audit-logs?${params}`);
    assert.equal(answer.status, 200, `GET audit-logs?${params}`);
    return answer.body.totalCount;
  }

  async function applySearch(text: string): Promise<void> {
    const before = page.url();
    await search().fill(text);
    await search().press('Enter');
    // `actor:`, `action:` and `type:` go to their fields' parameters, the rest to `q` (search-fields.ts).
    await page.waitForURL((url) => url.href !== before);
  }

  /** The first row, or a failure that says what the view shows instead (a refusal, a 429, an empty state). */
  async function firstRow(): Promise<void> {
    await page.locator('tbody tr.audit-table__row, .state').first().waitFor();
    if ((await rows(page).count()) === 0) {
      assert.fail(`no rows for ${page.url()}: ${(await page.locator('.state').first().textContent())?.replace(/\s+/g, ' ')}`);
    }
  }

  before(async () => {
    harness = await sharedHarness();
    const now = Date.now();
    const event = (minutesAgo: number, ip: string, object: object, message: string) => ({
      instanceId: harness.seed.instances.delivery,
      timestamp: new Date(now - minutesAgo * 60_000).toISOString(),
      action: 'promote',
      actor: { type: 'user', id: ACTOR, ip },
      object,
      details: { message },
    });
    const promotion = (name: string) => ({ type: 'kargo_promotion', id: { name }, parentId: { name: 'prod', kargoProjectName: PROJECT } });
    const added = await api(`/api/v1/organizations/${orgId()}/audit-logs`, {
      method: 'POST',
      body: {
        items: [
          event(3, '192.0.2.200', promotion('prod.l1'), 'Promoted freight to prod'),
          event(4, '192.0.2.201', promotion('prod.l2'), 'Promoted freight to prod'),
          event(5, '2001:db8::5', promotion('prod.l3'), 'Promoted freight to prod'),
        ],
      },
    });
    assert.equal(added.status, 201);
    ({ context, page, problems } = await signedInPage());
    await rows(page).first().waitFor();
  });

  after(async () => {
    await context?.close();
    assert.deepEqual(findings, [], 'axe-core: no serious or critical violations');
    assert.deepEqual(problems, [], 'no script or console errors');
  });

  it('finds the events from a pasted IP address, and from a CIDR prefix, with the address marked', async () => {
    await applySearch('198.51.100.77');
    await firstRow();
    const total = await shownTotal(page);
    assert.ok(total > 0, 'Dave acts from 198.51.100.77 in the demo');
    assert.equal(total, await apiTotal(await viewFilters(page)));
    const asQualifier = await viewFilters(page);
    asQualifier.set('filters.q', 'ip:198.51.100.77');
    assert.equal(await apiTotal(asQualifier), total, 'a pasted address is ip: with it');
    const addresses = await rows(page).getByTestId('actor-ip').allTextContents();
    assert.ok(addresses.length > 0);
    for (const address of addresses) assert.equal(address.trim(), '198.51.100.77');
    assert.equal(await rows(page).first().getByTestId('actor-ip').locator('mark').textContent(), '198.51.100.77');
    findings.push(...(await axeSeriousViolations(page, 'search by IP, marked')));

    await applySearch('ip:192.0.2.128/25 promote');
    await firstRow();
    const prefixed = await rows(page).getByTestId('actor-ip').allTextContents();
    assert.deepEqual(prefixed.map((address) => address.trim()).sort(), ['192.0.2.200', '192.0.2.201']);
    assert.equal(await shownTotal(page), 2);

    await applySearch('ip:2001:db8::/32');
    await firstRow();
    assert.deepEqual(
      (await rows(page).getByTestId('actor-ip').allTextContents()).map((address) => address.trim()),
      ['2001:db8::5'],
    );
  });

  it('marks the matched words in the row and the details, and shows the Kargo project in the details', async () => {
    await applySearch(`freig actor:${ACTOR.toUpperCase()} ${PROJECT.slice(0, 6)}`);
    await firstRow();
    const row = rows(page).first();
    assert.deepEqual(await row.locator('[data-column="details"] mark').allTextContents(), ['freight']);
    assert.deepEqual(await row.locator('[data-column="actor"] mark').allTextContents(), [ACTOR]);
    // The row does not show the Kargo project (it matched "ledger…"): the details do, marked.
    await row.locator('.audit-table__open').click();
    const details = page.getByRole('dialog');
    await details.getByTestId('event-kargo-project').waitFor();
    assert.equal((await details.getByTestId('event-kargo-project').textContent())?.trim(), PROJECT);
    assert.deepEqual(await details.getByTestId('event-kargo-project').locator('mark').allTextContents(), [PROJECT]);
    assert.equal((await details.getByTestId('event-parent').textContent())?.trim(), 'prod');
    assert.ok((await details.locator('.drawer__message mark').allTextContents()).includes('freight'));
    assert.ok((await details.locator('mark').allTextContents()).includes(ACTOR));
    findings.push(...(await axeSeriousViolations(page, 'event details with marks')));
    await page.keyboard.press('Escape');
    await details.waitFor({ state: 'hidden' });

    // Text of an event is never markup: a message with tags shows as text, with the marks around it.
    const tagged = await api(`/api/v1/organizations/${orgId()}/audit-logs`, {
      method: 'POST',
      body: {
        action: 'update',
        timestamp: new Date().toISOString(),
        actor: { type: 'user', id: ACTOR },
        object: { type: 'kargo_stage', id: { name: 'prod' } },
        details: { message: '<img src=x onerror=alert(1)> ledgerwise <b>bold</b>' },
      },
    });
    assert.equal(tagged.status, 201);
    await page.goto(auditUrl(`?q=${encodeURIComponent('ledgerwise bold')}`));
    await firstRow();
    const message = rows(page).first().locator('[data-column="details"]');
    assert.equal(await message.locator('img, b').count(), 0);
    assert.match((await message.textContent()) ?? '', /<img src=x onerror=alert\(1\)> ledgerwise <b>bold<\/b>/);
    assert.deepEqual(await message.locator('mark').allTextContents(), ['ledgerwise', 'bold']);
  });

  it('names the filter that removed everything, with how many events match without it', async () => {
    const withoutIt = await apiTotal(
      new URLSearchParams({ 'filters.q': `actor:${ACTOR}`, 'filters.startTime': (await viewFilters(page)).get('filters.startTime') ?? '' }),
    );
    assert.ok(withoutIt > 0);
    await page.goto(auditUrl(`?q=${encodeURIComponent(`actor:${ACTOR} action:purge`)}`));
    await page.getByRole('heading', { name: 'No events match these filters' }).waitFor();
    const state = page.locator('.state');
    // `action:` in the link is the Action field's value (search-fields.ts): the culprit is that field.
    await state.getByText(`No events match Action: purge: without it, ${withoutIt} events match.`).waitFor();
    const show = page.getByTestId('no-match-culprit');
    assert.equal((await show.textContent())?.replace(/\s+/g, ' ').trim(), `Show the ${withoutIt} events without Action: purge`);
    findings.push(...(await axeSeriousViolations(page, 'empty result names the filter')));
    await show.click();
    await page.waitForURL((url) => url.searchParams.get('actor') === ACTOR && !url.searchParams.has('action'));
    await firstRow();
    assert.equal(await shownTotal(page), withoutIt);
  });
});
