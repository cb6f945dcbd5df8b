/**
 * The Settings tab in real Chromium against the real Worker (wrangler dev, seeded like a first
 * `npm start`, see support/seed.ts): retention settings with the Worker's 422 beside the field and
 * the change in the audit log; API keys created with the secret shown once (copied, working, then
 * gone from the page) and revoked (refused from then on); members added, their role changed, the
 * last owner's 409 shown, removed; and an auditor who sees the audit pages and the settings
 * read-only, never a management control, and whose browser never sends a change. One owner session
 * walks the tab in order; the auditor's session signs in with the key that owner created on the way.
 *
 * Run: `npm run test:e2e`, or `node --test test/e2e/dashboard-settings.test.ts` (after `npm run build:web`).
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { api } from './support/api.ts';
import { browserSuite, newContext, signedInPage, watch } from './support/browser.ts';
import { type Harness, sharedHarness } from './support/harness.ts';
import { type AxeFinding, axeSeriousViolations, focused } from './support/page-checks.ts';
import { screenshot, tab } from './support/views.ts';

interface Settings {
  hotRetentionDays: number;
  archiveRetentionDays: number;
}

browserSuite('Settings tab in Chromium', () => {
  let harness: Harness;
  let context: BrowserContext;
  let page: Page;
  // Refused requests (the 422s, 409s and 401s this file provokes) are logged by the browser, and not counted.
  let problems: string[] = [];
  const findings: AxeFinding[] = [];
  /** The auditor key the owner creates in the dashboard, for the auditor's session. */
  let auditorSecret = '';

  const orgId = () => harness.seed.orgs[0]?.id ?? '';
  const orgUrl = (path: string) => `${harness.baseUrl}/orgs/${orgId()}${path}`;
  const sections = (target: Page) =>
    target.getByRole('navigation', { name: 'Settings sections' }).getByRole('link').allTextContents().then(trimmed);

  async function axe(state: string, target: Page = page): Promise<void> {
    findings.push(...(await axeSeriousViolations(target, state)));
  }

  before(async () => {
    harness = await sharedHarness();
    ({ context, page, problems } = await signedInPage());
    await page.getByRole('heading', { level: 1, name: 'Audit Logs' }).waitFor();
  });

  after(async () => {
    await context?.close();
  });

  it('opens Settings on Retention, with the sections an owner may use', async () => {
    await tab(page, 'Settings').click();
    await page.waitForURL(orgUrl('/settings/retention'));
    await page.getByRole('heading', { level: 1, name: 'Settings' }).waitFor();
    assert.equal(await tab(page, 'Settings').getAttribute('aria-current'), 'page');
    assert.deepEqual(await sections(page), ['Retention', 'Members', 'API keys', 'SSO']);
    assert.equal(await page.getByLabel('Searchable for').inputValue(), '90', "the deployment's default until the owner sets one");
    assert.equal(await page.getByRole('radio', { name: 'Keep forever' }).isChecked(), true);
    await axe('settings: retention (owner)');
  });

  it("shows the Worker's 422 beside the field it names, saves valid values, and the change is in the audit log", async () => {
    const hot = page.getByLabel('Searchable for');
    const save = page.getByRole('button', { name: 'Save settings' });

    await hot.fill('5');
    await save.click();
    const hotError = page.locator('#hot-retention-error');
    await hotError.waitFor();
    const refused = await api<{ errors: { pointer: string; detail: string; code?: string }[] }>(
      `/api/v1/organizations/${orgId()}/audit-log-settings`,
      { method: 'PATCH', body: { hotRetentionDays: 5, archiveRetentionDays: 0 } },
    );
    assert.equal(refused.status, 422);
    assert.equal(refused.body.errors[0]?.pointer, 'hotRetentionDays');
    assert.equal(refused.body.errors[0]?.code, 'too_small');
    // The Worker's problem in words a person understands (lib/shell/field-errors.ts), not the schema's.
    assert.equal((await hotError.textContent())?.trim(), 'Enter a whole number of days from 7 to 3650.');
    assert.equal(await hot.getAttribute('aria-invalid'), 'true');
    assert.match((await hot.getAttribute('aria-describedby')) ?? '', /hot-retention-error/);
    assert.equal((await focused(page))?.id, 'hot-retention-days', 'focus moves to the field to correct');
    await axe('settings: retention, 422 beside a field');

    // Archives may not expire while their events are still searchable: the Worker names the archive field.
    await hot.fill('500');
    await page.getByRole('radio', { name: 'Delete each ZIP' }).check();
    const archive = page.getByLabel('Days after the week ends to delete each archive ZIP');
    await archive.fill('400');
    await save.click();
    const archiveError = page.locator('#archive-retention-error');
    await archiveError.waitFor();
    assert.match((await archiveError.textContent()) ?? '', /at least hotRetentionDays \(500\)/);
    assert.equal(await hotError.count(), 0, 'the hot field is no longer marked');
    assert.equal((await focused(page))?.id, 'archive-retention-days');
    const unchanged = await api<Settings>(`/api/v1/organizations/${orgId()}/audit-log-settings`);
    assert.deepEqual(unchanged.body, { hotRetentionDays: 90, archiveRetentionDays: 0 }, 'nothing was saved');

    await hot.fill('120');
    await save.click();
    await page
      .getByRole('status')
      .filter({ hasText: /^Saved\./ })
      .waitFor();
    const stored = await api<Settings>(`/api/v1/organizations/${orgId()}/audit-log-settings`);
    assert.deepEqual(stored.body, { hotRetentionDays: 120, archiveRetentionDays: 400 });
    // The dates follow the values: an event of today leaves search 120 days after its week ends.
    assert.match((await page.locator('.timeline').textContent()) ?? '', /then\s+120 days pass/);
    await page.evaluate(() => window.scrollTo(0, 0));
    await screenshot(page, 'settings', { fullPage: true });

    await page.reload();
    assert.equal(await page.getByLabel('Searchable for').inputValue(), '120');
    assert.equal(await page.getByLabel('Days after the week ends to delete each archive ZIP').inputValue(), '400');

    await page.getByRole('link', { name: 'Changes to these settings' }).click();
    await page.waitForURL((url) => url.pathname.endsWith('/audit-logs') && url.searchParams.get('objectType') === 'audit_log_settings');
    const row = page.locator('tbody tr.audit-table__row').first();
    await row.waitFor();
    assert.match(
      (await row.textContent()) ?? '',
      /Changed hotRetentionDays from 90 to 120 and archiveRetentionDays from 0 to 400/,
      'the saved change is the newest settings event',
    );
    assert.match((await row.locator('.audit-table__actor-id').textContent()) ?? '', /alice@example\.com/);
  });

  it('creates an auditor key: the secret is shown once, copies, works, and is gone from the page afterwards', async () => {
    await page.goto(orgUrl('/settings/api-keys'));
    await page.getByRole('heading', { name: 'API keys' }).waitFor();
    await axe('settings: API keys');
    await page.locator('#key-name').fill('SIEM auditor');
    await page.locator('#key-role').selectOption('auditor');
    assert.equal(await page.locator('#key-instance').count(), 0, 'only ingest keys are bound to an instance');
    await page.locator('#key-expiry').selectOption('30');
    await page.getByRole('button', { name: 'Create key' }).click();

    const dialog = page.getByRole('dialog', { name: 'API key “SIEM auditor” created' });
    await dialog.waitFor();
    assert.match((await dialog.textContent()) ?? '', /Copy it now: you will not see it again\./);
    auditorSecret = await dialog.getByTestId('new-key-secret').inputValue();
    assert.match(auditorSecret, /^alk_/);
    await axe('settings: new key secret (dialog)');
    await dialog.getByRole('button', { name: 'Copy key: the new API key secret' }).click();
    await dialog.getByText('Copied to the clipboard').waitFor({ state: 'attached' });
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), auditorSecret);

    const me = await api<{ organizations: { id: string; role: string }[] }>('/api/v1/me', { key: auditorSecret });
    assert.equal(me.status, 200, 'the copied secret is a working key');
    assert.deepEqual(me.body.organizations, [{ id: orgId(), name: 'Acme', role: 'auditor' }]);

    await dialog.getByRole('button', { name: 'Done, I have stored it' }).click();
    await dialog.waitFor({ state: 'hidden' });
    assert.equal((await focused(page))?.label, 'Create key', 'focus is back where the user was');
    assert.equal((await page.content()).includes(auditorSecret), false, 'the secret is gone from the page');
    const row = page.locator('tr', { hasText: 'SIEM auditor' });
    assert.match((await row.getByTestId('key-state').textContent()) ?? '', /^Active until /);
    await page.reload();
    await row.waitFor();
    assert.equal((await page.content()).includes(auditorSecret), false, 'and never shown again');
  });

  it('creates an ingest key bound to an instance, and revokes it after a confirmation: it is refused from then on', async () => {
    const production = harness.seed.instances.production;
    await page.locator('#key-name').fill('argocd-production');
    await page.locator('#key-role').selectOption('ingest');
    await page.locator('#key-instance').selectOption(production);
    await page.getByRole('button', { name: 'Create key' }).click();
    const dialog = page.getByRole('dialog', { name: 'API key “argocd-production” created' });
    const secret = await dialog.getByTestId('new-key-secret').inputValue();
    assert.match((await dialog.textContent()) ?? '', /Instance\s*production/);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });

    const keys = await api<{ apiKeys: { name: string; role: string; instanceId: string | null; revokedAt: string | null }[] }>(
      `/api/v1/organizations/${orgId()}/api-keys`,
    );
    const listed = keys.body.apiKeys.find((key) => key.name === 'argocd-production');
    assert.deepEqual([listed?.role, listed?.instanceId], ['ingest', production]);
    const event = {
      instanceId: production,
      timestamp: new Date().toISOString(),
      action: 'sync',
      actor: { type: 'service', id: 'argocd-application-controller' },
      object: { type: 'argocd_application', id: { name: 'guestbook' } },
    };
    const sent = await api(`/api/v1/organizations/${orgId()}/audit-logs`, { method: 'POST', body: event, key: secret });
    assert.equal(sent.status, 201, 'the new ingest key sends events');

    const row = page.locator('tr', { hasText: 'argocd-production' });
    await row.getByRole('button', { name: 'Revoke argocd-production' }).click();
    const confirm = page.getByRole('dialog', { name: 'Revoke argocd-production?' });
    await confirm.waitFor();
    assert.equal((await focused(page))?.label, 'Cancel', 'the safe choice has focus');
    await axe('settings: revoke confirmation (dialog)');
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await confirm.waitFor({ state: 'hidden' });
    const stillSends = await api(`/api/v1/organizations/${orgId()}/audit-logs`, { method: 'POST', body: event, key: secret });
    assert.equal(stillSends.status, 201, 'Cancel revokes nothing');

    await row.getByRole('button', { name: 'Revoke argocd-production' }).click();
    await confirm.getByRole('button', { name: 'Revoke key' }).click();
    await confirm.waitFor({ state: 'hidden' });
    await page.getByRole('status').filter({ hasText: 'Revoked argocd-production.' }).waitFor();
    // The dialog's close event (a task after the status is set) moves focus: wait for it, briefly.
    await page.waitForFunction(() => document.activeElement?.id === 'api-keys-title', null, { timeout: 5000 }).catch(() => undefined);
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'api-keys-title', 'focus continues at the list');
    const revoked = await api(`/api/v1/organizations/${orgId()}/audit-logs`, { method: 'POST', body: event, key: secret });
    assert.equal(revoked.status, 401, 'a revoked key is refused');
    await page.getByText('Revoked and expired keys (1)').click();
    assert.match((await page.locator('details tr', { hasText: 'argocd-production' }).textContent()) ?? '', /Revoked /);
  });

  it('lets an owner create a service key: listed as the organization’s, and it cannot sign in here', async () => {
    await page.locator('#key-name').fill('ci-service');
    await page.locator('#key-role').selectOption('ingest');
    assert.match((await page.locator('#key-kind-hint').textContent()) ?? '', /Acts for you/);
    await page.locator('#key-kind').selectOption('service');
    assert.match((await page.locator('#key-kind-hint').textContent()) ?? '', /Belongs to the organization/);
    await page.getByRole('button', { name: 'Create key' }).click();
    const dialog = page.getByRole('dialog', { name: 'API key “ci-service” created' });
    const secret = await dialog.getByTestId('new-key-secret').inputValue();
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    const row = page.locator('tr', { hasText: 'ci-service' });
    assert.equal(await row.getByTestId('key-kind').textContent(), 'Service');
    assert.match((await row.textContent()) ?? '', /Acme \(itself\)/);
    assert.equal(await page.locator('tr', { hasText: 'SIEM auditor' }).getByTestId('key-kind').textContent(), 'Personal');
    const signIn = await api('/api/v1/auth/session', { method: 'POST', body: { apiKey: secret } });
    assert.equal(signIn.status, 403, 'a service key never signs in to the dashboard');
  });

  it('adds a member, changes their role, shows the last owner rule (409) and removes them after a confirmation', async () => {
    const members = async () =>
      (await api<{ members: { email: string; role: string }[] }>(`/api/v1/organizations/${orgId()}/members`)).body.members;
    await page.goto(orgUrl('/settings/members'));
    await page.getByRole('heading', { name: 'Members' }).waitFor();
    await axe('settings: members (owner)');

    await page.locator('#member-email').fill('frank@example.com');
    await page.locator('#member-name').fill('Frank Fischer');
    await page.locator('#member-role').selectOption('auditor');
    await page.getByRole('button', { name: 'Add member' }).click();
    await page.getByRole('status').filter({ hasText: 'Added frank@example.com as auditor.' }).waitFor();
    assert.equal((await members()).find((member) => member.email === 'frank@example.com')?.role, 'auditor');
    assert.equal((await focused(page))?.id, 'member-email', 'ready for the next member');

    // The same email again: the Worker's 409 is shown.
    await page.locator('#member-email').fill('frank@example.com');
    await page.locator('#member-name').fill('Frank Fischer');
    await page.getByRole('button', { name: 'Add member' }).click();
    await page.getByRole('alert').filter({ hasText: 'frank@example.com is already a member (auditor).' }).waitFor();

    await page.getByLabel('Role of frank@example.com').selectOption('member');
    await page.getByRole('button', { name: 'Save role' }).click();
    await page.getByRole('status').filter({ hasText: 'Changed frank@example.com to member.' }).waitFor();
    assert.equal((await members()).find((member) => member.email === 'frank@example.com')?.role, 'member');
    assert.equal((await focused(page))?.tag, 'select', 'focus stays on the role');

    // Alice is the only owner: demoting her is refused with a 409 that says so.
    await page.getByLabel('Role of alice@example.com').selectOption('admin');
    await page.getByRole('button', { name: 'Save role' }).click();
    await page.getByRole('alert').filter({ hasText: 'last owner' }).waitFor();
    assert.equal(await page.getByLabel('Role of alice@example.com').inputValue(), 'owner', 'the select shows the role in force');
    assert.equal((await members()).find((member) => member.email === 'alice@example.com')?.role, 'owner');
    await axe('settings: members, last owner refused');

    await page.getByRole('button', { name: 'Remove alice@example.com' }).click();
    const removeAlice = page.getByRole('dialog', { name: 'Remove alice@example.com?' });
    await removeAlice.getByRole('button', { name: 'Remove member' }).click();
    await removeAlice.getByRole('alert').filter({ hasText: 'last owner' }).waitFor();
    await removeAlice.getByRole('button', { name: 'Cancel' }).click();
    await removeAlice.waitFor({ state: 'hidden' });

    await page.getByRole('button', { name: 'Remove frank@example.com' }).click();
    const removeFrank = page.getByRole('dialog', { name: 'Remove frank@example.com?' });
    await removeFrank.getByRole('button', { name: 'Remove member' }).click();
    await removeFrank.waitFor({ state: 'hidden' });
    await page.getByRole('status').filter({ hasText: 'Removed frank@example.com.' }).waitFor();
    assert.equal(await page.locator('tr', { hasText: 'frank@example.com' }).count(), 0);
    assert.equal(
      (await members()).some((member) => member.email === 'frank@example.com'),
      false,
    );
    await page.waitForFunction(() => document.activeElement?.id === 'members-title', null, { timeout: 5000 }).catch(() => undefined);
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'members-title');
  });

  it('signs an auditor in: audit pages and archives, settings read-only, no management control, no change sent', async () => {
    assert.ok(auditorSecret, 'the owner created the auditor key above');
    const auditorContext = await newContext();
    const auditor = await auditorContext.newPage();
    watch(auditor, problems);
    const changes: string[] = [];
    const asked: string[] = [];
    auditor.on('request', (request) => {
      const url = new URL(request.url());
      if (!url.pathname.startsWith('/api/')) return;
      asked.push(url.pathname);
      if (request.method() !== 'GET' && url.pathname !== '/api/v1/auth/session') changes.push(`${request.method()} ${url.pathname}`);
    });
    await auditor.goto(`${harness.baseUrl}/sign-in`);
    await auditor.getByLabel('API key').fill(auditorSecret);
    await auditor.getByRole('button', { name: 'Sign in', exact: true }).click();
    await auditor.waitForURL(orgUrl('/audit-logs'));
    await auditor.locator('tbody tr.audit-table__row').first().waitFor();
    assert.equal((await auditor.locator('.app-header__role').textContent())?.trim(), 'auditor');
    assert.ok(await auditor.getByRole('link', { name: 'Export CSV' }).isVisible());
    await axe('audit logs (auditor)', auditor);

    await auditor.getByRole('button', { name: 'Archive' }).click();
    const archives = auditor.getByRole('dialog', { name: 'Weekly archives' });
    await archives.locator('.archives__row').first().waitFor();
    assert.equal(await archives.locator('.archives__row').count(), harness.seed.archivedWeeks.length, 'auditors read the archives');
    await auditor.keyboard.press('Escape');

    await tab(auditor, 'Argo CD').click();
    await auditor.getByRole('link', { name: /production/ }).click();
    await auditor.getByRole('heading', { level: 1, name: 'production' }).waitFor();
    await auditor.locator('tbody tr.audit-table__row').first().waitFor();

    await tab(auditor, 'Settings').click();
    await auditor.waitForURL(orgUrl('/settings/retention'));
    assert.deepEqual(await sections(auditor), ['Retention', 'Members'], 'no API keys section');
    await auditor.getByTestId('hot-retention-value').waitFor();
    assert.equal((await auditor.getByTestId('hot-retention-value').textContent())?.trim(), "120 days after the event's week ends");
    assert.match((await auditor.getByTestId('archive-retention-value').textContent()) ?? '', /Deleted 400 days after their week ends/);
    assert.equal(await auditor.locator('main form, main input, main select, main textarea').count(), 0, 'read-only: no form');
    assert.ok(await auditor.getByText('Only owners can change these settings').isVisible());
    await axe('settings: retention (auditor, read-only)', auditor);

    await auditor.getByRole('navigation', { name: 'Settings sections' }).getByRole('link', { name: 'Members' }).click();
    await auditor.locator('tbody tr', { hasText: 'alice@example.com' }).waitFor();
    assert.equal(await auditor.locator('main select, main form').count(), 0, 'roles are text, no add form');
    assert.equal(await auditor.getByRole('button', { name: /^Remove / }).count(), 0);
    await axe('settings: members (auditor, read-only)', auditor);

    // Typed in by hand: told, without asking the API for keys.
    await auditor.goto(orgUrl('/settings/api-keys'));
    await auditor.getByRole('heading', { name: 'Access denied' }).waitFor();
    assert.equal(
      asked.some((path) => path.endsWith('/api-keys')),
      false,
      'never asked for the keys',
    );
    assert.deepEqual(changes, [], 'the auditor session sent no change');
    await auditorContext.close();
  });

  it('has no serious or critical axe-core violation on the Settings pages, and logged no script error', () => {
    console.log(`[e2e] axe-core on the Settings pages: ${findings.length} serious/critical violations`);
    assert.deepEqual(findings, []);
    assert.deepEqual(problems, []);
  });
});

function trimmed(texts: string[]): string[] {
  return texts.map((text) => text.trim());
}
