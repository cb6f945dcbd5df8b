/**
 * Forms say what is wrong in words, by field (P18 item 5), and every state checked here has no
 * moderate, serious or critical axe finding (item 7): each form of the dashboard gets bad input
 * the API refuses, then the field shows the plain-words problem with aria-invalid, names it in
 * aria-describedby and has focus; the webhook detail follows its deliveries without a reload; an
 * auditor sees no tab it cannot use. In an organization of its own (Formwork Co), so the other
 * files' counts are untouched.
 *
 * Run: `npm run test:e2e`, or `node --test test/e2e/dashboard-forms.test.ts` (after `npm run build:web`).
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { startWebhookReceiver, type WebhookReceiver } from '../../scripts/lib/webhook-receiver.ts';
import type { CreatedOrganization, NotificationConfig } from '../../worker/contract/index.ts';
import { api } from './support/api.ts';
import { browserSuite, signedInPage } from './support/browser.ts';
import { type Harness, sharedHarness } from './support/harness.ts';
import { type AxeFinding, axeViolations } from './support/page-checks.ts';

const sections = (page: Page) => page.getByRole('navigation', { name: 'Organization sections' });
async function eventually(what: string, timeoutMs: number, check: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 200));
  }
}

/** What the schema library writes by itself: never shown to a person. */
const LIBRARY_WORDS = /Invalid input|expected string|received undefined|Too small|Too big|Invalid option/;

browserSuite('forms: field errors in words, and axe on every state', () => {
  let harness: Harness;
  let receiver: WebhookReceiver;
  let orgId = '';
  let ownerKey = '';
  let auditorKey = '';
  const contexts: BrowserContext[] = [];
  const findings: AxeFinding[] = [];
  const pageProblems: string[][] = [];

  async function pageFor(key: string): Promise<Page> {
    const { context, page, problems } = await signedInPage(key);
    contexts.push(context);
    pageProblems.push(problems);
    return page;
  }

  async function axe(page: Page, state: string): Promise<void> {
    findings.push(...(await axeViolations(page, state)));
  }

  /** The field has the problem `words` under it, tied to it, and (when `focusedToo`) has focus. */
  async function shows(page: Page, selector: string, words: string | RegExp, focusedToo = true): Promise<void> {
    const field = page.locator(selector);
    await field.and(page.locator('[aria-invalid="true"]')).waitFor();
    const describedBy = (await field.getAttribute('aria-describedby')) ?? '';
    const fieldId = (await field.getAttribute('id')) ?? '';
    const errorId = describedBy.split(' ').find((id) => id.endsWith('-error'));
    assert.ok(errorId, `${selector} names its problem (${describedBy})`);
    const text = (await page.locator(`[id="${errorId}"]`).textContent()) ?? '';
    if (typeof words === 'string') assert.equal(text.trim(), words);
    else assert.match(text, words);
    assert.doesNotMatch((await page.locator('main').textContent()) ?? '', LIBRARY_WORDS);
    if (focusedToo) await page.waitForFunction((id) => document.activeElement?.id === id, fieldId);
  }

  before(async () => {
    harness = await sharedHarness();
    receiver = await startWebhookReceiver();
    const created = await api<CreatedOrganization>('/api/v1/organizations', {
      key: harness.adminToken,
      method: 'POST',
      body: { name: 'Formwork Co', owner: { email: 'formwork-owner@example.com', name: 'Fay Formwork' } },
      expect: 201,
    });
    orgId = created.body.organization.id;
    ownerKey = created.body.ownerApiKey;
    const auditor = await api<{ secret: string }>(`/api/v1/organizations/${orgId}/api-keys`, {
      key: ownerKey,
      method: 'POST',
      body: { name: 'Auditor key', role: 'auditor' },
      expect: 201,
    });
    auditorKey = auditor.body.secret;
  });

  after(async () => {
    await receiver?.stop();
    for (const context of contexts) await context.close();
  });

  it('the webhook form: a missing secret, then a short one, said in words under Secret', async () => {
    const page = await pageFor(ownerKey);
    await page.goto(`${harness.baseUrl}/orgs/${orgId}/webhooks`);
    await page.getByText('No webhooks').waitFor();
    await axe(page, 'webhooks: empty list');
    await page.getByRole('button', { name: 'New webhook' }).click();
    await page.getByLabel('Name').fill('Forms SIEM');
    await page.getByLabel('Payload URL').fill('https://siem.example.com/hooks/audit');
    await page.getByRole('button', { name: 'Create webhook' }).click();
    await shows(page, '#webhook-new-secret', 'Enter a secret of at least 16 characters, or press Generate.');
    await page.getByRole('alert').getByText('Check the fields marked below.').waitFor();
    await axe(page, 'webhook form: secret missing');

    await page.getByLabel('Secret').fill('short');
    await page.getByRole('button', { name: 'Create webhook' }).click();
    await shows(page, '#webhook-new-secret', 'Enter a secret of 16 to 256 characters, or press Generate.');
    await page.getByLabel('Name').fill('');
    await page.getByLabel('Secret').fill('forms-secret-0123456789');
    await page.getByRole('button', { name: 'Create webhook' }).click();
    await shows(page, '#webhook-new-name', 'Give the webhook a name.');
    assert.equal(await page.getByLabel('Secret').getAttribute('aria-invalid'), null, 'a fixed field is no longer marked');
    await axe(page, 'webhook form: name missing');
  });

  it('the log stream form: an empty name and URL, said in words', async () => {
    const page = await pageFor(ownerKey);
    await page.goto(`${harness.baseUrl}/orgs/${orgId}/log-streams`);
    await page.getByRole('button', { name: 'New log stream' }).first().waitFor();
    await axe(page, 'log streams: empty list');
    await page.getByRole('button', { name: 'New log stream' }).first().click();
    await page.getByRole('button', { name: 'Create log stream' }).click();
    await shows(page, '#stream-new-name', 'Give the stream a name of 1 to 200 characters.');
    await axe(page, 'log stream form: name and URL missing');
  });

  it('settings: members, invitations, API keys, retention and SSO say what is wrong by field', async () => {
    const page = await pageFor(ownerKey);
    await page.goto(`${harness.baseUrl}/orgs/${orgId}/settings/members`);
    await page.locator('#member-email').fill('not-an-email');
    await page.getByRole('button', { name: 'Add member' }).click();
    await shows(page, '#member-email', 'Enter an email address such as ada@example.com.');
    await shows(page, '#member-name', "Enter the person's name.", false);
    await axe(page, 'settings members: add member refused');

    await page.locator('#invite-email').fill('nobody@');
    await page.getByRole('button', { name: 'Invite' }).click();
    await shows(page, '#invite-email', 'Enter an email address such as ada@example.com.');
    await axe(page, 'settings members: invitation refused');

    await page.goto(`${harness.baseUrl}/orgs/${orgId}/settings/api-keys`);
    await page.getByRole('button', { name: 'Create key' }).click();
    await shows(page, '#key-name', 'Give the key a name, such as argocd-production.');
    await axe(page, 'settings API keys: create refused');

    await page.goto(`${harness.baseUrl}/orgs/${orgId}/settings/retention`);
    await page.locator('#hot-retention-days').fill('3');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await shows(page, '#hot-retention-days', 'Enter a whole number of days from 7 to 3650.');
    await axe(page, 'settings retention: save refused');

    await page.goto(`${harness.baseUrl}/orgs/${orgId}/settings/sso`);
    await page.getByRole('button', { name: 'Save SSO settings' }).click();
    await shows(page, '#sso-discovery-url', "Enter the provider's discovery URL.");
    await shows(page, '#sso-client-id', 'Enter the client ID your provider gave this app.', false);
    await axe(page, 'settings SSO: save refused');
    // A configuration that is fine, with a role map that is not: the map's field says so.
    await page.getByLabel('Discovery URL', { exact: true }).fill(harness.oidcIssuer);
    await page.getByLabel('Client ID', { exact: true }).fill('audit-logs-public');
    await page.getByRole('radio', { name: /^Public/ }).check();
    await page.getByLabel('Email domain', { exact: true }).fill('formwork.example');
    await page.getByLabel('owner', { exact: true }).fill('g'.repeat(2001));
    await page.getByRole('button', { name: 'Save SSO settings' }).click();
    await shows(page, '#oidc-map-owner', 'Enter group names separated by commas (up to 2,000 characters).');
    await axe(page, 'settings SSO: role map refused');
  });

  it('account pages (passkeys, sessions) and the error pages have no axe findings', async () => {
    const page = await pageFor(ownerKey);
    await page.goto(`${harness.baseUrl}/account/passkeys`);
    await page.getByRole('heading', { level: 1, name: /Passkeys of/ }).waitFor();
    await axe(page, 'account: passkeys');
    await page.goto(`${harness.baseUrl}/account/sessions`);
    await page.getByRole('heading', { level: 1 }).waitFor();
    await axe(page, 'account: sessions');
    await page.goto(`${harness.baseUrl}/orgs/${orgId}/webhooks/ntf_00000000000000000000000000`);
    await page.getByRole('heading', { level: 1, name: 'Page not found' }).waitFor();
    await axe(page, 'error: unknown webhook (404)');
  });

  it('an auditor sees no Webhooks or Log streams tab; their addresses say who may use them', async () => {
    const page = await pageFor(auditorKey);
    await page.goto(`${harness.baseUrl}/orgs/${orgId}/audit-logs`);
    await sections(page).getByRole('link', { name: 'Audit Logs', exact: true }).waitFor();
    await sections(page).getByRole('link', { name: 'Settings', exact: true }).waitFor();
    assert.equal(await sections(page).getByRole('link', { name: 'Webhooks' }).count(), 0);
    assert.equal(await sections(page).getByRole('link', { name: 'Log streams' }).count(), 0);
    await page.goto(`${harness.baseUrl}/orgs/${orgId}/webhooks`);
    await page.getByText('Webhooks are for owners').waitFor();
    await axe(page, 'webhooks: auditor');
    await page.goto(`${harness.baseUrl}/orgs/${orgId}/webhooks/ntf_00000000000000000000000000`);
    await page.getByRole('heading', { level: 1, name: 'Access denied' }).waitFor();
    await axe(page, 'webhook detail: auditor (403)');
  });

  it('the webhook detail follows its deliveries: Last delivery refreshes, an open delivery keeps its attempts', async () => {
    const secret = 'forms-detail-secret-0123456789';
    receiver.setHook('forms', { secret, behaviour: { kind: 'ok' } });
    const created = await api<{ notificationConfig: NotificationConfig }>(`/api/v1/orgs/${orgId}/notification-configs`, {
      key: ownerKey,
      method: 'POST',
      body: { name: 'Forms detail', webhook: { url: receiver.urlOf('forms'), secret } },
      expect: 201,
    });
    // Its own creation is an event it delivers: done before the receiver starts failing.
    await eventually('the creation event delivered', 60_000, () => receiver.received('forms').some((entry) => entry.answered === 200));
    const page = await pageFor(ownerKey);
    await page.goto(`${harness.baseUrl}/orgs/${orgId}/webhooks/${created.body.notificationConfig.id}`);
    await page.getByRole('heading', { level: 1, name: 'Forms detail' }).waitFor();
    const facts = page.locator('.webhook-facts');
    assert.equal(await facts.getByText(/^Failing/).count(), 0, 'healthy when the page opens');
    // A delivery made after the page opened (a ping through the API, to a receiver that fails) is
    // shown without a reload: the page polls the webhook's state every 15 s.
    receiver.setHook('forms', { secret, behaviour: { kind: 'status', status: 503 } });
    const configId = created.body.notificationConfig.id;
    await api(`/api/v1/orgs/${orgId}/notification-configs/${configId}/ping`, { key: ownerKey, method: 'POST', expect: 200 });
    // (Its delivery failed, and so does the ping's own audit event, retried later: the state says Failing.)
    await facts.getByText(/^Failing/).waitFor({ timeout: 45_000 });
    assert.match((await facts.textContent()) ?? '', /HTTP 503/);

    // A ping from the page: its answer is the last delivery at once.
    receiver.setHook('forms', { secret, behaviour: { kind: 'ok' } });
    await page.getByRole('button', { name: 'Send ping' }).click();
    await page.getByText('Ping delivered: HTTP 200.').waitFor();
    await facts.getByText('Delivered', { exact: true }).waitFor();

    // The ping opened, then the history refreshed: its attempts stay, never "Loading attempts…".
    const pingRow = page.locator('details.delivery', { hasText: 'Ping' }).first();
    await pingRow.locator('summary').click();
    await pingRow.getByText('#1').waitFor();
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page.getByText(/History refreshed/).waitFor();
    await pingRow.getByText('#1').waitFor();
    assert.equal(await pingRow.getByText('Loading attempts…').count(), 0);
    // The request body scrolls and is reachable by keyboard.
    const body = pingRow.getByRole('region', { name: 'Request body' });
    await body.focus();
    assert.equal(await body.evaluate((element) => element === document.activeElement), true);
    await axe(page, 'webhook detail: ping failed, its delivery open, refreshed');
    await page.getByRole('button', { name: 'Edit', exact: true }).click();
    await page.getByRole('region', { name: 'Edit webhook' }).waitFor();
    await axe(page, 'webhook detail: edit form open');
    await page.goto(`${harness.baseUrl}/orgs/${orgId}/webhooks`);
    await page.getByRole('link', { name: 'Forms detail' }).waitFor();
    await axe(page, 'webhooks: list with a failing webhook');
  });

  it('found no moderate, serious or critical axe violations, and no script errors', () => {
    assert.deepEqual(findings, []);
    assert.deepEqual(pageProblems.flat(), []);
  });
});
