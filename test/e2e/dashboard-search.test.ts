/**
 * Longer than 300 lines: one owner session asks the audit log its questions in order (the search
 * language, the object filters, a deleted instance, an expired archive); they share the server's
 * seed and the events added in `before`.
 *
 * The Audit Logs view in real Chromium against the real Worker (wrangler dev, seeded like a first
 * `npm start`, see harness.ts): the search box's help, chips and the Worker's 400 naming the token,
 * with results equal to the structured filters; the object filters kept in the URL and equal to the
 * API's object groups; a deleted instance reachable and marked; and an archive week that expired
 * under a retention set in the dashboard (the real path: backfill, archive, settings, daily cron)
 * shown without its ZIP while its manifest and signature still download and verify with openssl.
 *
 * Run: node --test --test-concurrency=1 test/e2e/dashboard-search.test.ts   (after `vite build web`)
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ApiClient } from '../../scripts/lib/api-client.ts';
import { archiveWeeks, runDailyCron } from '../../scripts/lib/archive-run.ts';
import { closedWeeksWithEvents } from '../../scripts/lib/closed-weeks.ts';
import { DAY_MS, isoDate, weekStartOf } from '../../scripts/lib/iso-week.ts';
import type { CreatedOrganization } from '../../worker/contract/index.ts';
import { type AxeFinding, axeSeriousViolations, focused } from './browser-helpers.ts';
import { type Harness, hasBuiltDashboard, hasChromium, launchBrowser, SKIP_MESSAGE, startHarness } from './harness.ts';

const skip = !hasChromium() ? SKIP_MESSAGE : !hasBuiltDashboard() ? 'SKIPPED: web/build is missing (run `vite build web` first)' : false;
if (skip) console.log(skip);

const DESKTOP = { width: 1280, height: 860 };
const CONTEXT_OPTIONS = { locale: 'en-US', timezoneId: 'America/New_York', acceptDownloads: true } as const;
const ACTOR = 'dave@example.com';

interface ArchiveListing {
  archives: {
    startDate: { year: number; month: number; day: number };
    expired: boolean;
    presignedUrl?: string;
    sha256: string;
    manifestUrl: string;
    signatureUrl: string;
  }[];
}

describe('search language, object filters, deleted instances and expired archives in Chromium', { skip }, () => {
  let harness: Harness;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const findings: AxeFinding[] = [];
  const problems: string[] = [];

  const orgId = () => harness.seed.orgs[0]?.id ?? '';
  const auditUrl = (search = '', id = orgId()) => `${harness.baseUrl}/orgs/${id}/audit-logs${search}`;
  const rows = () => page.locator('tbody tr.audit-table__row');
  const search = () => page.getByLabel('Search', { exact: true });
  const chips = () => page.getByTestId('query-chips').locator('.chips__label').allTextContents();

  async function api<T>(path: string, init: { method?: string; body?: unknown; key?: string } = {}): Promise<{ status: number; body: T }> {
    const response = await fetch(harness.baseUrl + path, {
      method: init.method ?? 'GET',
      headers: {
        authorization: `Bearer ${init.key ?? harness.seed.owner.apiKey}`,
        ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : null) as T };
  }

  /** The API's total for the view's own filters (read from its Export CSV link), plus `extra`. */
  async function viewFilters(): Promise<URLSearchParams> {
    const href = await page.getByRole('link', { name: 'Export CSV' }).getAttribute('href');
    return new URL(href ?? '', harness.baseUrl).searchParams;
  }

  async function apiTotal(params: URLSearchParams): Promise<number> {
    params.set('filters.limit', '1');
    const answer = await api<{ totalCount: number }>(`/api/v1/organizations/${orgId()}/audit-logs?${params}`);
    assert.equal(answer.status, 200, `GET audit-logs?${params}`);
    return answer.body.totalCount;
  }

  /** The "Showing X of N events" total, once the view has settled on the URL it is at. */
  async function shownTotal(): Promise<number> {
    const status = page.getByTestId('audit-status');
    await status.filter({ hasText: /^(Showing \d+ of [\d,]+ events?\.|No events match these filters\.)$/ }).waitFor({ state: 'attached' });
    const text = (await status.textContent()) ?? '';
    return Number(/of ([\d,]+) event/.exec(text)?.[1]?.replace(/,/g, '') ?? 0);
  }

  async function applySearch(text: string): Promise<void> {
    await search().fill(text);
    await search().press('Enter');
    await page.waitForURL((url) => (url.searchParams.get('q') ?? '') === text);
  }

  before(async () => {
    harness = await startHarness();
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
    browser = await launchBrowser();
    context = await browser.newContext({ ...CONTEXT_OPTIONS, viewport: DESKTOP });
    page = await context.newPage();
    page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
    await page.goto(`${harness.baseUrl}/sign-in`);
    await page.getByLabel('API key').fill(harness.seed.owner.apiKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await rows().first().waitFor();
  });

  after(async () => {
    await browser?.close();
    await harness?.stop();
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
      'Actor and action match regardless of case; free text matches word prefixes.',
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
    const byQuery = await shownTotal();
    assert.ok(byQuery > 0, 'the demo has syncs by Dave');
    assert.equal(byQuery, await apiTotal(await viewFilters()));
    findings.push(...(await axeSeriousViolations(page, 'search chips')));

    await page.goto(auditUrl(`?actor=${encodeURIComponent(ACTOR)}&action=sync`));
    assert.equal(await shownTotal(), byQuery, 'the same events as the Actor and Action fields');
    const structured = new URLSearchParams({
      'filters.actorId': ACTOR,
      'filters.action': 'sync',
      'filters.startTime': (await viewFilters()).get('filters.startTime') ?? '',
    });
    assert.equal(await apiTotal(structured), byQuery);

    // Actor and action match regardless of case, in the fields and in the search language.
    await page.goto(auditUrl(`?actor=${encodeURIComponent(ACTOR.toUpperCase())}&action=Sync`));
    assert.equal(await shownTotal(), byQuery, 'DAVE@EXAMPLE.COM and Sync find the same events');
    await page.goto(auditUrl());
    await applySearch('actor:Dave@Example.COM action:SYNC');
    assert.equal(await shownTotal(), byQuery, 'so do the qualifiers');

    // -action: excludes: Dave's events minus his syncs.
    await page.goto(auditUrl());
    await applySearch(`actor:${ACTOR} -action:sync`);
    assert.deepEqual(await chips(), [`Actor: ${ACTOR}`, 'Not action: sync']);
    const withoutSyncs = await shownTotal();
    await page.goto(auditUrl(`?actor=${encodeURIComponent(ACTOR)}`));
    assert.equal(withoutSyncs, (await shownTotal()) - byQuery);

    // Removing a chip removes its qualifier and applies the rest; focus continues in the field.
    await page.goto(auditUrl(`?q=${encodeURIComponent(`actor:${ACTOR} -action:sync`)}`));
    await page.getByRole('button', { name: 'Remove -action:sync from the search' }).click();
    await page.waitForURL((url) => url.searchParams.get('q') === `actor:${ACTOR}`);
    assert.deepEqual(await chips(), [`Actor: ${ACTOR}`]);
    assert.equal((await focused(page))?.id, 'filter-q');
  });

  it("shows the Worker's 400 under the field, naming the token", async () => {
    await page.goto(auditUrl());
    await rows().first().waitFor();
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
    assert.equal(await rows().count(), 0);
    await page.getByRole('heading', { name: 'Fix the search to see events' }).waitFor();
    findings.push(...(await axeSeriousViolations(page, 'search refused (400)')));

    await applySearch('"synced to" guestb');
    await rows().first().waitFor();
    assert.equal(await error.count(), 0, 'a valid search clears the error');
  });

  it('asks the object questions through the object filters, kept in the URL, equal to the API object groups', async () => {
    await page.goto(auditUrl());
    await rows().first().waitFor();
    const objects = page.getByRole('button', { name: /^Objects/ });
    assert.equal(await objects.getAttribute('aria-expanded'), 'false');
    await objects.click();
    const fieldset = page.getByRole('group', { name: 'Objects' });
    await fieldset.waitFor();
    findings.push(...(await axeSeriousViolations(page, 'object filters open')));

    await fieldset.getByLabel('Application').fill('guestbook');
    await fieldset.getByLabel('Application').press('Enter');
    await page.waitForURL((url) => url.searchParams.get('app') === 'guestbook');
    const appOnly = await shownTotal();
    const filters = await viewFilters();
    assert.deepEqual(filters.getAll('filters.argocdApplication.objectName'), ['guestbook']);
    assert.equal(appOnly, await apiTotal(filters));
    const types = await page.locator('tbody tr.audit-table__row td[data-column="object"] code').allTextContents();
    assert.ok(types.length > 0 && types.every((type) => type === 'argocd_application'), 'application events only');

    await fieldset.getByLabel('Include child objects').check();
    await page.waitForURL((url) => url.searchParams.get('children') === '1');
    const withChildren = await shownTotal();
    assert.equal((await viewFilters()).get('filters.argocdApplication.includeChildObjects'), 'true');
    assert.equal(withChildren, appOnly + 1, "plus the application's Deployment");
    await page.locator('tbody tr', { hasText: 'guestbook-ui' }).first().waitFor();

    // Kargo project and stage together: promotions to that stage in that project.
    await page.goto(auditUrl('?kargoProject=webshop&stage=prod'));
    assert.equal(await shownTotal(), 2);
    const kargo = await viewFilters();
    assert.deepEqual(kargo.getAll('filters.kargoPromotion.objectParentKargoProjectName'), ['webshop']);
    assert.deepEqual(kargo.getAll('filters.kargoPromotion.objectParentName'), ['prod']);
    assert.equal(
      await page.getByRole('group', { name: 'Objects' }).getByLabel('Kargo stage').inputValue(),
      'prod',
      'a link reopens the fields',
    );
    assert.equal(await page.getByRole('button', { name: 'Objects (2)' }).getAttribute('aria-expanded'), 'true');

    await page.goto(auditUrl('?namespace=shop'));
    assert.equal(await shownTotal(), 1);
    assert.deepEqual((await viewFilters()).getAll('filters.k8sResource.objectNamespace'), ['shop']);

    // Clear filters clears them too.
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await page.waitForURL((url) => !url.searchParams.has('namespace'));
    assert.equal(await page.getByRole('group', { name: 'Objects' }).count(), 0);
  });

  it('lists a deleted instance under the live ones, and its page shows its audit log marked "Deleted on …"', async () => {
    const staging = harness.seed.instances.staging;
    const deletion = await api(`/api/v1/organizations/${orgId()}/instances/${staging}`, { method: 'DELETE' });
    assert.equal(deletion.status, 204);
    await page.goto(`${harness.baseUrl}/orgs/${orgId()}/argocd`);
    await page.getByRole('heading', { name: 'Argo CD instances' }).waitFor();
    assert.deepEqual(await page.locator('ul.card-list').first().locator('.card-list__name').allTextContents(), ['production']);
    await page.getByText('Show deleted instances (1)').click();
    findings.push(...(await axeSeriousViolations(page, 'deleted instances listed')));
    await page
      .getByRole('list', { name: 'Deleted Argo CD instances' })
      .getByRole('link', { name: /staging/ })
      .click();
    await page.waitForURL(`${harness.baseUrl}/orgs/${orgId()}/instances/${staging}/audit-logs`);
    await page.getByRole('heading', { level: 1, name: 'staging (deleted)' }).waitFor();
    const instance = await api<{ deletedAt: string }>(`/api/v1/organizations/${orgId()}/instances/${staging}`);
    const note = page.getByTestId('instance-deleted');
    assert.match((await note.textContent()) ?? '', /^Deleted on .+ America\/New_York\. Its audit log stays readable/);
    assert.equal(await note.locator('time').getAttribute('datetime'), instance.body.deletedAt);
    await rows().first().waitFor();
    const total = await shownTotal();
    const listed = await api<{ totalCount: number }>(
      `/api/v1/organizations/${orgId()}/instances/${staging}/audit-logs?${new URLSearchParams({ 'filters.startTime': (await viewFilters()).get('filters.startTime') ?? '', 'filters.limit': '1' })}`,
    );
    assert.equal(total, listed.body.totalCount);
    assert.ok((await page.getByRole('table', { name: /^Audit events/ }).textContent())?.includes('Deleted argocd instance staging'));
    findings.push(...(await axeSeriousViolations(page, 'deleted instance page')));

    // The organization's instance filter still offers it, by name.
    await page.goto(auditUrl());
    await rows().first().waitFor();
    assert.ok((await page.getByLabel('Instance', { exact: true }).locator('option').allTextContents()).includes('staging (deleted)'));
  });

  it('marks a week whose ZIP expired under the retention set here: no ZIP link, manifest and signature still verify', async () => {
    // A fresh organization whose history reaches 400 days back (the platform admin may backfill up
    // to its hot retention), archived by the daily cron like any other.
    const admin = new ApiClient(harness.baseUrl, harness.adminToken);
    const { body: created } = await admin.post<CreatedOrganization>('/api/v1/organizations', {
      name: 'Umbrella',
      owner: { email: harness.seed.owner.email, name: 'Alice Anders' },
    });
    const umbrella = created.organization.id;
    const owner = new ApiClient(harness.baseUrl, created.ownerApiKey);
    await owner.request('PATCH', `/api/v1/organizations/${umbrella}/audit-log-settings`, { hotRetentionDays: 3650 });
    const now = Date.now();
    const old = weekStartOf(now - 400 * DAY_MS) + 2 * DAY_MS;
    const recent = weekStartOf(now) - 5 * DAY_MS;
    const item = (time: number, name: string) => ({
      timestamp: new Date(time).toISOString(),
      action: 'update',
      actor: { type: 'user', id: harness.seed.owner.email },
      object: { type: 'organization', id: { name } },
      details: { message: `Changed ${name}` },
    });
    await admin.post(`/api/v1/organizations/${umbrella}/audit-logs`, {
      items: [item(old, 'old-1'), item(old + 3_600_000, 'old-2'), item(recent, 'recent-1')],
    });
    await new Promise((done) => setTimeout(done, 6_000)); // ARCHIVE_SETTLE_SECONDS of the harness is 5
    const weeks = await closedWeeksWithEvents(owner, umbrella);
    assert.deepEqual(
      weeks.map((week) => week.startDate),
      [isoDate(weekStartOf(recent)), isoDate(weekStartOf(old))],
    );
    await archiveWeeks({ baseUrl: harness.baseUrl, client: owner, weeks, timeoutMs: 60_000 });

    // The owner sets the retention in the dashboard: searchable 7 days, ZIPs deleted after 365.
    await page.goto(`${harness.baseUrl}/sign-in?add=1`);
    await page.getByLabel('API key').fill(created.ownerApiKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((url) => !url.pathname.startsWith('/sign-in'));
    await page.goto(`${harness.baseUrl}/orgs/${umbrella}/settings/retention`);
    await page.getByLabel('Searchable for').fill('7');
    await page.getByRole('radio', { name: 'Delete each ZIP' }).check();
    await page.getByLabel('Days after the week ends to delete each archive ZIP').fill('365');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: /^Saved\./ })
      .waitFor();

    // The daily run applies it: the old week leaves D1 (its archive verifies), then its ZIP expires.
    const listing = () => owner.get<ArchiveListing>(`/api/v1/organizations/${umbrella}/audit-logs-archives`);
    await runDailyCron(harness.baseUrl);
    const deadline = Date.now() + 30_000;
    while (!(await listing()).archives.some((archive) => archive.expired) && Date.now() < deadline) {
      await new Promise((done) => setTimeout(done, 500));
    }
    const { archives } = await listing();
    const expired = archives.find((archive) => archive.expired);
    assert.ok(expired, 'the daily run expired the old week');
    assert.equal(expired.presignedUrl, undefined);
    assert.ok(
      archives.some((archive) => !archive.expired && archive.presignedUrl),
      'the recent week keeps its ZIP',
    );

    await page.goto(auditUrl('', umbrella));
    await page.getByRole('button', { name: 'Archive' }).click();
    const dialog = page.getByRole('dialog', { name: 'Weekly archives' });
    await dialog.locator('.modal__body[aria-busy="false"]').waitFor();
    const rowsInDialog = dialog.locator('.archives__row');
    assert.equal(await rowsInDialog.count(), 2);
    const expiredRow = rowsInDialog.filter({ has: page.getByTestId('archive-expired') });
    assert.equal(await expiredRow.count(), 1);
    assert.equal((await expiredRow.getByTestId('archive-sha256').textContent())?.trim(), expired.sha256);
    assert.equal(await expiredRow.getByRole('link', { name: /^Download the archive of/ }).count(), 0, 'no ZIP link');
    assert.equal(
      await rowsInDialog
        .filter({ hasNot: page.getByTestId('archive-expired') })
        .getByRole('link', { name: /^Download the archive of/ })
        .count(),
      1,
    );
    await dialog.getByTestId('archive-expired-note').waitFor();
    findings.push(...(await axeSeriousViolations(page, 'archive dialog with an expired week')));

    const folder = mkdtempSync(join(tmpdir(), 'expired-archive-'));
    try {
      const names: string[] = [];
      for (const link of [
        expiredRow.getByRole('link', { name: /^Download the manifest of/ }),
        expiredRow.getByRole('link', { name: /^Download the signature of/ }),
      ]) {
        const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
        names.push(download.suggestedFilename());
        await download.saveAs(join(folder, download.suggestedFilename()));
      }
      const key = await api<{ pem: string }>('/api/v1/audit-logs-archives/public-key');
      writeFileSync(join(folder, 'archive-key.pem'), key.body.pem);
      const [manifest = '', signature = ''] = names;
      const verified = execFileSync(
        'openssl',
        ['pkeyutl', '-verify', '-pubin', '-inkey', 'archive-key.pem', '-rawin', '-in', manifest, '-sigfile', signature],
        { cwd: folder, encoding: 'utf8' },
      );
      assert.match(verified, /Signature Verified Successfully/);
      const recorded = JSON.parse(readFileSync(join(folder, manifest), 'utf8')) as { archive: { sha256: string } };
      assert.equal(recorded.archive.sha256, expired.sha256, 'the manifest still records the deleted ZIP');
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
    await page.keyboard.press('Escape');
  });

  it('has no serious or critical axe-core violation in these states, and no script error', () => {
    console.log(
      `[e2e] axe-core on search, object filters, deleted instance, expired archive: ${findings.length} serious/critical violations`,
    );
    assert.deepEqual(findings, []);
    assert.deepEqual(problems, []);
  });
});
