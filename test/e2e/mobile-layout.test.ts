/**
 * Every page and state of the dashboard on a phone, 390 and 360 px wide, in real Chromium against
 * the real Worker: nothing wider than the screen (outside intended sideways scrollers, marked
 * `data-scroll-x`), nothing cut, no word broken (support/layout-checks.ts says exactly what that
 * means). Each state is pictured at 390 px (docs/screenshots/phone-*.png with UPDATE_SCREENSHOTS=1).
 * Also the table's desktop promises: the "Timestamp" column names its zone, its header stays at
 * the top while the page scrolls, and the filter bar does not move when the first filter applies.
 *
 * Run: `npm run test:e2e`, or `node --test test/e2e/mobile-layout.test.ts` (after `npm run build:web`).
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { ApiClient } from '../../scripts/lib/api-client.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../../scripts/lib/webhook-receiver.ts';
import type { NotificationConfig } from '../../worker/contract/index.ts';
import { browserSuite, DESKTOP, newContext, PHONE, signedInPage, signIn, ZONE } from './support/browser.ts';
import { type Harness, sharedHarness } from './support/harness.ts';
import { layoutProblems } from './support/layout-checks.ts';
import { auditUrl, rows, screenshot, settled } from './support/views.ts';

const WIDTHS = [PHONE.width, 360] as const;

browserSuite('every page on a phone (390 and 360 px) and the table header', () => {
  let harness: Harness;
  let receiver: WebhookReceiver;
  let owner: ApiClient;
  let context: BrowserContext;
  let page: Page;
  let webhook: NotificationConfig;
  let streamId: string;
  const orgId = () => harness.seed.orgs[0]?.id ?? '';
  const orgPath = (path: string) => `${harness.baseUrl}/orgs/${orgId()}${path}`;

  /** Checks `target` at each phone width and pictures it at 390 px; asserts it fits. */
  async function fits(target: Page, state: string): Promise<void> {
    const problems: string[] = [];
    for (const width of WIDTHS) {
      await target.setViewportSize({ width, height: PHONE.height });
      await target.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
      problems.push(...(await layoutProblems(target)).map((problem) => `${width}px: ${problem}`));
      if (width === PHONE.width) await screenshot(target, `phone-${state}`);
    }
    await target.setViewportSize(PHONE);
    assert.deepEqual(problems, [], `${state} fits a phone`);
  }

  /** A page at `url`, once its first heading shows. */
  async function open(target: Page, url: string, heading?: string | RegExp): Promise<void> {
    await target.goto(url);
    await target
      .getByRole('heading', { level: 1, ...(heading ? { name: heading } : {}) })
      .first()
      .waitFor();
  }

  before(async () => {
    harness = await sharedHarness();
    receiver = await startWebhookReceiver();
    owner = new ApiClient(harness.baseUrl, harness.seed.owner.apiKey);
    const created = await owner.post<{ notificationConfig: NotificationConfig }>(`/api/v1/orgs/${orgId()}/notification-configs`, {
      name: 'Security information and event management',
      webhook: { url: receiver.urlOf('phone'), secret: 'phone-secret-0123456789abcdef' },
    });
    webhook = created.body.notificationConfig;
    const stream = await owner.post<{ stream: { id: string } }>(`/api/v1/organizations/${orgId()}/audit-log-streams`, {
      name: 'Compliance archive bucket',
      type: 's3',
      format: 'ocsf',
      active: false,
      endpoint: 'https://s3.eu-central-1.amazonaws.com',
      region: 'eu-central-1',
      bucket: 'acme-audit-log-archive-eu-central-1',
      prefix: 'audit-logs/acme/',
      accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
      secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    });
    streamId = stream.body.stream.id;
    ({ context, page } = await signedInPage(undefined, { viewport: PHONE }));
  });

  after(async () => {
    await context?.close();
    if (webhook) await owner.request('DELETE', `/api/v1/orgs/${orgId()}/notification-configs/${webhook.id}`).catch(() => undefined);
    if (streamId) await owner.request('DELETE', `/api/v1/organizations/${orgId()}/audit-log-streams/${streamId}`).catch(() => undefined);
    await receiver?.stop();
  });

  it('signed out: the sign-in page, and the sign-in a signed-out link leads to (401)', async () => {
    const signedOut = await newContext({ viewport: PHONE });
    const target = await signedOut.newPage();
    await open(target, `${harness.baseUrl}/sign-in`);
    await fits(target, 'sign-in');
    await target.goto(auditUrl());
    await target.waitForURL(/\/sign-in\?next=/);
    await target.getByLabel('API key').waitFor();
    await fits(target, 'signed-out');
    await signedOut.close();
  });

  it("the organization's Audit Logs: first event above the fold, filters, chips, details, archives", async () => {
    await page.goto(auditUrl());
    await settled(page);
    await fits(page, 'audit-logs');
    // The exports share one button: the first event shows without scrolling.
    const first = await rows(page).first().boundingBox();
    assert.ok(first && first.y + 60 < PHONE.height, `the first event starts at ${first?.y}px, above the fold`);
    await page.getByRole('button', { name: 'Export', exact: true }).click();
    await page.getByRole('link', { name: 'Export NDJSON' }).waitFor();
    await fits(page, 'audit-logs-export');
    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: /^Filters/ }).click();
    await fits(page, 'audit-logs-filters');

    await page.goto(auditUrl(`?q=${encodeURIComponent('actor:dave@example.com -action:sync')}`));
    await page.getByRole('heading', { level: 1 }).waitFor();
    await page.getByRole('button', { name: /^Filters/ }).click();
    await page
      .getByTestId('audit-status')
      .filter({ hasText: /^(Showing|No events)/ })
      .waitFor({ state: 'attached' });
    await fits(page, 'audit-logs-search');

    await page.goto(auditUrl());
    await settled(page);
    await rows(page).first().locator('.audit-table__open').click();
    const drawer = page.getByRole('dialog', { name: /^Event details: / });
    await drawer.waitFor();
    await fits(page, 'event-details');
    await page.keyboard.press('Escape');
    await drawer.waitFor({ state: 'hidden' });

    await page.getByRole('button', { name: 'Archive', exact: true }).click();
    const archives = page.getByRole('dialog', { name: 'Weekly archives' });
    await archives.locator('.archives__row').first().waitFor();
    await fits(page, 'archives');
    await page.keyboard.press('Escape');
  });

  it('instances: the Argo CD and Kargo lists and an instance audit log', async () => {
    await open(page, orgPath('/argocd'), 'Argo CD instances');
    await fits(page, 'argocd');
    await open(page, orgPath('/kargo'), 'Kargo instances');
    await fits(page, 'kargo');
    await page.goto(orgPath(`/instances/${harness.seed.instances.production}/audit-logs`));
    await settled(page);
    await fits(page, 'instance-audit-logs');
  });

  it('settings: retention, members, API keys, SSO', async () => {
    for (const section of ['retention', 'members', 'api-keys', 'sso']) {
      await open(page, orgPath(`/settings/${section}`));
      await page.waitForLoadState('networkidle');
      await fits(page, `settings-${section}`);
    }
  });

  it('webhooks: the list, the form, a webhook with a delivery open', async () => {
    await open(page, orgPath('/webhooks'), 'Webhooks');
    await page.getByRole('link', { name: webhook.name }).waitFor();
    await fits(page, 'webhooks');
    await page.getByRole('button', { name: 'New webhook' }).click();
    await page.getByRole('heading', { level: 2, name: 'New webhook' }).waitFor();
    await fits(page, 'webhook-form');
    await open(page, orgPath(`/webhooks/${webhook.id}`), webhook.name);
    await page.getByRole('button', { name: 'Send ping' }).click();
    await page.getByText('Ping delivered: HTTP 200.').waitFor();
    const ping = page.locator('details.delivery', { hasText: 'Ping' });
    await ping.locator('summary').click();
    await ping.getByText('#1').waitFor();
    await fits(page, 'webhook-detail');
  });

  it('log streams: the list and a stream', async () => {
    await open(page, orgPath('/log-streams'), 'Log streams');
    await page.getByRole('link', { name: 'Compliance archive bucket' }).waitFor();
    await fits(page, 'log-streams');
    await open(page, orgPath(`/log-streams/${streamId}`), 'Compliance archive bucket');
    await page.waitForLoadState('networkidle');
    await fits(page, 'log-stream');
  });

  it('the account pages and an invitation', async () => {
    await open(page, `${harness.baseUrl}/account/passkeys`);
    await page.waitForLoadState('networkidle');
    await fits(page, 'account-passkeys');
    await open(page, `${harness.baseUrl}/account/sessions`);
    await page.waitForLoadState('networkidle');
    await fits(page, 'account-sessions');

    const invited = await owner.post<{ invitation: { id: string }; url: string }>(`/api/v1/organizations/${orgId()}/invitations`, {
      email: `phone-${Date.now()}@example.com`,
      role: 'auditor',
    });
    const stranger = await newContext({ viewport: PHONE });
    const target = await stranger.newPage();
    await open(target, invited.body.url.replace(/^https?:\/\/[^/]+/, harness.baseUrl));
    await target.waitForLoadState('networkidle');
    await fits(target, 'invitation');
    await open(target, `${harness.baseUrl}/invitations/${'x'.repeat(43)}`);
    await target.waitForLoadState('networkidle');
    await fits(target, 'invitation-not-valid');
    await stranger.close();
    await owner.request('DELETE', `/api/v1/organizations/${orgId()}/invitations/${invited.body.invitation.id}`);
  });

  it('error pages: 403 (a member), 404 (an unknown organization and an unknown page)', async () => {
    const member = await newContext({ viewport: PHONE });
    const target = await member.newPage();
    await signIn(target, harness.seed.memberApiKey);
    await target.getByText('Audit logs are available to organization owners').waitFor();
    await fits(target, 'forbidden');
    await member.close();
    await open(page, auditUrl('', 'org_does_not_exist'), 'Page not found');
    await fits(page, 'not-found');
    await open(page, `${harness.baseUrl}/no-such-page`, 'Page not found');
    await fits(page, 'unknown-page');
  });

  it('desktop: the Timestamp column names its zone, its header sticks, the filter bar holds still', async () => {
    await page.setViewportSize(DESKTOP);
    await page.goto(auditUrl());
    await settled(page);
    const header = page.locator('.audit-table thead th').first();
    assert.equal(((await header.textContent()) ?? '').replace(/\s+/g, ' ').trim(), `Timestamp (${ZONE})`);
    await page.getByRole('link', { name: 'UTC', exact: true }).click();
    await page.waitForURL(/utc=1/);
    assert.equal(((await header.textContent()) ?? '').replace(/\s+/g, ' ').trim(), 'Timestamp (UTC)');

    // Scroll the page well past the table's top: the header row stays at the top of the screen.
    const before = await header.boundingBox();
    assert.ok(before);
    await page.evaluate((by) => window.scrollBy(0, by), before.y + 600);
    await page.evaluate(() => new Promise((done) => requestAnimationFrame(done)));
    const stuck = await header.boundingBox();
    assert.ok(stuck && Math.abs(stuck.y) <= 1, `the header is at ${stuck?.y}px after scrolling (it was at ${before.y}px)`);
    const covered = await page.evaluate(() => {
      const th = document.querySelector('.audit-table thead th');
      const box = th?.getBoundingClientRect();
      return box ? document.elementFromPoint(box.left + 4, box.top + box.height / 2)?.closest('thead') !== null : false;
    });
    assert.ok(covered, 'the header is drawn above the rows that scroll under it');
    await page.evaluate(() => window.scrollTo(0, 0));

    // The first filter does not move the fields.
    const fields = () =>
      page.locator('#filter-form').evaluate((form) => ({
        height: Math.round(form.getBoundingClientRect().height),
        fields: [...form.querySelectorAll('.filters__field')].map((field) => {
          const box = field.getBoundingClientRect();
          return `${Math.round(box.left)},${Math.round(box.top)},${Math.round(box.width)}`;
        }),
      }));
    const unfiltered = await fields();
    await page.getByLabel('Actor').fill(harness.seed.filterActor.id);
    await page.getByLabel('Actor').press('Enter');
    await page.waitForURL(/actor=/);
    await page.getByRole('button', { name: 'Clear filters' }).waitFor();
    await settled(page);
    assert.deepEqual(await fields(), unfiltered, 'the filter bar keeps its size and fields in place');

    // Pictures of the pages docs/DASHBOARD.md describes beside the Audit Logs tab, at 1280 px.
    await open(page, orgPath('/webhooks'), 'Webhooks');
    await page.getByRole('link', { name: webhook.name }).waitFor();
    await screenshot(page, 'webhooks');
    await open(page, orgPath(`/webhooks/${webhook.id}`), webhook.name);
    await page.locator('details.delivery').first().waitFor();
    await screenshot(page, 'webhook-detail', { fullPage: true });
    await open(page, orgPath('/log-streams'), 'Log streams');
    await page.getByRole('link', { name: 'Compliance archive bucket' }).waitFor();
    await screenshot(page, 'log-streams');
    await page.setViewportSize(PHONE);
  });
});
