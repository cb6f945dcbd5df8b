/**
 * The Audit Logs view's questions in real Chromium against the real Worker (wrangler dev, seeded
 * like a first `npm start`, see support/seed.ts): the search box's help, chips and the Worker's 400
 * naming the token, with results equal to the structured filters; and the object filters kept in
 * the URL and equal to the API's object groups. One owner session, in order, over the events added
 * in `before`. Deleted instances and expired archives: dashboard-history.test.ts.
 *
 * Run: `npm run test:e2e`, or `node --test test/e2e/dashboard-search.test.ts` (after `npm run build:web`).
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { api } from './support/api.ts';
import { browserSuite, signedInPage } from './support/browser.ts';
import { type Harness, sharedHarness } from './support/harness.ts';
import { type AxeFinding, axeSeriousViolations, focused } from './support/page-checks.ts';
import { auditUrl, rows, shownTotal, viewFilters } from './support/views.ts';

const ACTOR = 'dave@example.com';

browserSuite('search language and object filters in Chromium', () => {
  let harness: Harness;
  let context: BrowserContext;
  let page: Page;
  const findings: AxeFinding[] = [];
  let problems: string[] = [];

  const orgId = () => harness.seed.orgs[0]?.id ?? '';
  const search = () => page.getByLabel('Search', { exact: true });
  const chips = () => page.getByTestId('query-chips').locator('.chips__label').allTextContents();

  /** The API's total for these filters (those of the view, read from its Export CSV link, or others). */
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

  before(async () => {
    harness = await sharedHarness();
    // Events of the object questions: an application's Kubernetes resource and Kargo promotions
    // carrying their project (Akuity's event shape; the demo seed has neither).
    const now = Date.now();
    const event = (minutesAgo: number, object: object, action = 'update') => ({
      instanceId: harness.seed.instances.delivery,
      timestamp: new Date(now - minutesAgo * 60_000).toISOString(),
      action,
      actor: { type: 'user', id: ACTOR },
      object,
      details: { message: `Test event ${minutesAgo}` },
    });
    const added = await api(`/api/v1/organizations/${orgId()}/audit-logs`, {
      method: 'POST',
      body: {
        items: [
          {
            ...event(5, {
              type: 'k8s_resource',
              id: { name: 'guestbook-ui', kind: 'Deployment', group: 'apps', namespace: 'shop' },
              parentId: { name: 'prod-us-east-1', applicationName: 'guestbook' },
            }),
            instanceId: harness.seed.instances.production,
          },
          event(
            6,
            { type: 'kargo_promotion', id: { name: 'prod.a1' }, parentId: { name: 'prod', kargoProjectName: 'webshop' } },
            'promote',
          ),
          event(
            7,
            { type: 'kargo_promotion', id: { name: 'prod.b2' }, parentId: { name: 'prod', kargoProjectName: 'webshop' } },
            'promote',
          ),
          event(
            8,
            { type: 'kargo_promotion', id: { name: 'staging.c3' }, parentId: { name: 'staging', kargoProjectName: 'webshop' } },
            'promote',
          ),
          event(
            9,
            { type: 'kargo_promotion', id: { name: 'prod.d4' }, parentId: { name: 'prod', kargoProjectName: 'payments' } },
            'promote',
          ),
        ],
      },
    });
    assert.equal(added.status, 201);
    ({ context, page, problems } = await signedInPage());
    await rows(page).first().waitFor();
  });

  after(async () => {
    await context?.close();
  });

  it('explains the search language in a popover that opens and closes by keyboard', async () => {
    const toggle = page.getByRole('button', { name: 'Search syntax' });
    await toggle.focus();
    await page.keyboard.press('Enter');
    const help = page.locator('#filter-q-help');
    await help.getByRole('heading', { name: 'Search syntax' }).waitFor();
    assert.equal(await help.evaluate((element) => element.matches(':popover-open')), true);
    const examples = await help.locator('tbody code').allTextContents();
    for (const example of [
      'actor:alice@example.com',
      'action:sync,promote',
      '-action:delete',
      'type:argocd_application',
      'after:2026-11-01',
    ]) {
      assert.ok(examples.includes(example), `the help shows ${example}`);
    }
    assert.equal(
      (await help.getByTestId('matching-rules').textContent())?.trim(),
      'Actor, action and object type match regardless of case; free text matches word prefixes.',
    );
    // Its content follows the button in the Tab order.
    await page.keyboard.press('Tab');
    assert.equal((await focused(page))?.label, 'Close');
    findings.push(...(await axeSeriousViolations(page, 'search help open')));
    await page.keyboard.press('Escape');
    await help.waitFor({ state: 'hidden' });
    assert.equal((await focused(page))?.label, 'Search syntax', 'focus returns to the button');
  });

  it('shows qualifiers as chips, and finds exactly what the structured filters find', async () => {
    await applySearch(`actor:${ACTOR} action:sync`);
    assert.deepEqual(await chips(), [`Actor: ${ACTOR}`, 'Action: sync']);
    const byQuery = await shownTotal(page);
    assert.ok(byQuery > 0, 'the demo has syncs by Dave');
    assert.equal(byQuery, await apiTotal(await viewFilters(page)));
    findings.push(...(await axeSeriousViolations(page, 'search chips')));

    await page.goto(auditUrl(`?actor=${encodeURIComponent(ACTOR)}&action=sync`));
    assert.equal(await shownTotal(page), byQuery, 'the same events as the Actor and Action fields');
    const structured = new URLSearchParams({
      'filters.actorId': ACTOR,
      'filters.action': 'sync',
      'filters.startTime': (await viewFilters(page)).get('filters.startTime') ?? '',
    });
    assert.equal(await apiTotal(structured), byQuery);

    // Actor and action match regardless of case, in the fields and in the search language.
    await page.goto(auditUrl(`?actor=${encodeURIComponent(ACTOR.toUpperCase())}&action=Sync`));
    assert.equal(await shownTotal(page), byQuery, 'DAVE@EXAMPLE.COM and Sync find the same events');
    await page.goto(auditUrl());
    await applySearch('actor:Dave@Example.COM action:SYNC');
    assert.equal(await shownTotal(page), byQuery, 'so do the qualifiers');

    // -action: excludes: Dave's events minus his syncs.
    await page.goto(auditUrl());
    await applySearch(`actor:${ACTOR} -action:sync`);
    assert.deepEqual(await chips(), [`Actor: ${ACTOR}`, 'Not action: sync']);
    const withoutSyncs = await shownTotal(page);
    await page.goto(auditUrl(`?actor=${encodeURIComponent(ACTOR)}`));
    assert.equal(withoutSyncs, (await shownTotal(page)) - byQuery);

    // Removing a chip removes its qualifier and applies the rest; focus continues in the field.
    await page.goto(auditUrl(`?q=${encodeURIComponent(`actor:${ACTOR} -action:sync`)}`));
    await page.getByRole('button', { name: 'Remove -action:sync from the search' }).click();
    await page.waitForURL((url) => url.searchParams.get('actor') === ACTOR && !url.searchParams.has('q'));
    assert.deepEqual(await chips(), [`Actor: ${ACTOR}`]);
    assert.equal((await focused(page))?.id, 'filter-q');
  });

  it("shows the Worker's 400 under the field, naming the token", async () => {
    await page.goto(auditUrl());
    await rows(page).first().waitFor();
    await applySearch('acter:bob guestbook');
    const error = page.locator('#filter-q-error');
    await error.waitFor();
    const text = (await error.textContent())?.trim() ?? '';
    assert.match(text, /unknown qualifier "acter:"/i);
    assert.match(text, /\(at "acter:bob"\)$/, 'the token is named');
    const refused = await api<{ type: string; detail: string }>(
      `/api/v1/organizations/${orgId()}/audit-logs?${new URLSearchParams({ 'filters.q': 'acter:bob guestbook' })}`,
    );
    assert.equal(refused.status, 400);
    assert.match(refused.body.type, /invalid-query$/);
    assert.equal(text.toLowerCase(), refused.body.detail.replace(/^filters\.q:\s*/, '').toLowerCase(), "the Worker's words");
    assert.equal(await search().getAttribute('aria-invalid'), 'true');
    assert.match((await search().getAttribute('aria-describedby')) ?? '', /filter-q-error/);
    assert.equal(await error.getAttribute('role'), 'alert');
    assert.equal(await rows(page).count(), 0);
    await page.getByRole('heading', { name: 'Fix the search to see events' }).waitFor();
    findings.push(...(await axeSeriousViolations(page, 'search refused (400)')));

    await applySearch('"synced to" guestb');
    await rows(page).first().waitFor();
    assert.equal(await error.count(), 0, 'a valid search clears the error');
  });

  it('asks the object questions through the object filters, kept in the URL, equal to the API object groups', async () => {
    await page.goto(auditUrl());
    await rows(page).first().waitFor();
    const objects = page.getByRole('button', { name: /^Objects/ });
    assert.equal(await objects.getAttribute('aria-expanded'), 'false');
    await objects.click();
    const fieldset = page.getByRole('group', { name: 'Objects' });
    await fieldset.waitFor();
    findings.push(...(await axeSeriousViolations(page, 'object filters open')));

    await fieldset.getByLabel('Application').fill('guestbook');
    await fieldset.getByLabel('Application').press('Enter');
    await page.waitForURL((url) => url.searchParams.get('app') === 'guestbook');
    const appOnly = await shownTotal(page);
    const filters = await viewFilters(page);
    assert.deepEqual(filters.getAll('filters.argocdApplication.objectName'), ['guestbook']);
    assert.equal(appOnly, await apiTotal(filters));
    const types = await page.locator('tbody tr.audit-table__row td[data-column="object"] code').allTextContents();
    assert.ok(types.length > 0 && types.every((type) => type === 'argocd_application'), 'application events only');

    await fieldset.getByLabel('Include child objects').check();
    await page.waitForURL((url) => url.searchParams.get('children') === '1');
    const withChildren = await shownTotal(page);
    assert.equal((await viewFilters(page)).get('filters.argocdApplication.includeChildObjects'), 'true');
    assert.equal(withChildren, appOnly + 1, "plus the application's Deployment");
    await page.locator('tbody tr', { hasText: 'guestbook-ui' }).first().waitFor();

    // Kargo project and stage together: promotions to that stage in that project.
    await page.goto(auditUrl('?kargoProject=webshop&stage=prod'));
    assert.equal(await shownTotal(page), 2);
    const kargo = await viewFilters(page);
    assert.deepEqual(kargo.getAll('filters.kargoPromotion.objectParentKargoProjectName'), ['webshop']);
    assert.deepEqual(kargo.getAll('filters.kargoPromotion.objectParentName'), ['prod']);
    assert.equal(
      await page.getByRole('group', { name: 'Objects' }).getByLabel('Kargo stage').inputValue(),
      'prod',
      'a link reopens the fields',
    );
    assert.equal(await page.getByRole('button', { name: 'Objects (2)' }).getAttribute('aria-expanded'), 'true');

    await page.goto(auditUrl('?namespace=shop'));
    assert.equal(await shownTotal(page), 1);
    assert.deepEqual((await viewFilters(page)).getAll('filters.k8sResource.objectNamespace'), ['shop']);

    // Clear filters clears them too.
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await page.waitForURL((url) => !url.searchParams.has('namespace'));
    assert.equal(await page.getByRole('group', { name: 'Objects' }).count(), 0);
  });

  it('has no serious or critical axe-core violation in these states, and no script error', () => {
    console.log(`[e2e] axe-core on search and object filters: ${findings.length} serious/critical violations`);
    assert.deepEqual(findings, []);
    assert.deepEqual(problems, []);
  });
});
