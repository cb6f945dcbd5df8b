/**
 * What the audit log keeps after things go, in real Chromium against the real Worker (see
 * dashboard-search.test.ts): a deleted instance is listed under the live ones and its page shows
 * its audit log marked "Deleted on …"; and an archive week that expired under a retention set in
 * the dashboard (the real path: backfill, archive, settings, daily cron) is shown without its ZIP
 * while its manifest and signature still download and verify with openssl.
 *
 * Run: `npm run test:e2e`, or `node --test test/e2e/dashboard-history.test.ts` (after `npm run build:web`).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { ApiClient } from '../../scripts/lib/api-client.ts';
import { archiveWeeks, runDailyCron } from '../../scripts/lib/archive-run.ts';
import { closedWeeksWithEvents } from '../../scripts/lib/closed-weeks.ts';
import { DAY_MS, isoDate, weekStartOf } from '../../scripts/lib/iso-week.ts';
import type { CreatedOrganization } from '../../worker/contract/index.ts';
import { api } from './support/api.ts';
import { browserSuite, signedInPage } from './support/browser.ts';
import { type Harness, sharedHarness } from './support/harness.ts';
import { type AxeFinding, axeSeriousViolations } from './support/page-checks.ts';
import { auditUrl, rows, shownTotal, viewFilters } from './support/views.ts';

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

browserSuite('deleted instances and expired archives in Chromium', () => {
  let harness: Harness;
  let context: BrowserContext;
  let page: Page;
  const findings: AxeFinding[] = [];
  let problems: string[] = [];

  const orgId = () => harness.seed.orgs[0]?.id ?? '';

  before(async () => {
    harness = await sharedHarness();
    ({ context, page, problems } = await signedInPage());
  });

  after(async () => {
    await context?.close();
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
    await rows(page).first().waitFor();
    const total = await shownTotal(page);
    const listed = await api<{ totalCount: number }>(
      `/api/v1/organizations/${orgId()}/instances/${staging}/audit-logs?${new URLSearchParams({ 'filters.startTime': (await viewFilters(page)).get('filters.startTime') ?? '', 'filters.limit': '1' })}`,
    );
    assert.equal(total, listed.body.totalCount);
    assert.ok((await page.getByRole('table', { name: /^Audit events/ }).textContent())?.includes('Deleted argocd instance staging'));
    findings.push(...(await axeSeriousViolations(page, 'deleted instance page')));

    // The organization's instance filter still offers it, by name.
    await page.goto(auditUrl());
    await rows(page).first().waitFor();
    // The rows do not wait for the instances: their names arrive after.
    await page.getByLabel('Instance', { exact: true }).locator('option', { hasText: 'staging (deleted)' }).waitFor({ state: 'attached' });
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
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
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
    console.log(`[e2e] axe-core on the deleted instance and the expired archive: ${findings.length} serious/critical violations`);
    assert.deepEqual(findings, []);
    assert.deepEqual(problems, []);
  });
});
