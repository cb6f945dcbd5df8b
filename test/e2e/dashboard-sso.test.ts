/**
 * SSO in real Chromium against the real Worker and a real OpenID provider (scripts/lib/oidc-provider.ts,
 * started by the harness before wrangler dev): an owner configures SSO on Settings → SSO (the
 * Worker's 422 and 409 shown beside their fields), runs Test sign-in through the provider's own
 * login page and sees the outcome; then people sign in through it in fresh browsers: bob lands in
 * the dashboard as himself with a `sign_in` event, a wrong password keeps him at the provider, and
 * failures (an unknown domain, someone who is no member) land on /sign-in with the reason. Finally
 * the owner removes SSO, which frees the domain.
 *
 * Uses an organization of its own ("Umbrella") for example.com, the demo people's domain, and
 * removes its SSO at the end. People start on the sign-in page's "Sign in with SSO" form.
 *
 * Run: `npm run test:e2e`, or `node --test test/e2e/dashboard-sso.test.ts` (after `npm run build:web`).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { ApiClient } from '../../scripts/lib/api-client.ts';
import { CONFIDENTIAL_CLIENT, DEMO_ACCOUNTS } from '../../scripts/lib/oidc-provider.ts';
import type { CreatedOrganization } from '../../worker/contract/index.ts';
import { api } from './support/api.ts';
import { browserSuite, newContext, signedInPage, watch } from './support/browser.ts';
import { type Harness, sharedHarness } from './support/harness.ts';
import { axeSeriousViolations } from './support/page-checks.ts';

interface Event {
  action: string;
  actor: { id: string };
  details: Record<string, unknown>;
}

const DEMO_CLIENT_SECRET = CONFIDENTIAL_CLIENT.secret;
const PROVIDER_TITLE = 'Sign in to the demo identity provider';

browserSuite('SSO settings and sign-in in Chromium', () => {
  let harness: Harness;
  let context: BrowserContext;
  let page: Page;
  let problems: string[] = [];
  const contexts: BrowserContext[] = [];
  let orgId = '';
  let ownerKey = '';
  /** A domain another organization signs in already (the 409). */
  const rivalDomain = `rival-${randomBytes(4).toString('hex')}.example`;

  const ssoUrl = () => `${harness.baseUrl}/orgs/${orgId}/settings/sso`;

  async function events(action: string): Promise<Event[]> {
    const { body } = await api<{ items: Event[] }>(`/api/v1/organizations/${orgId}/audit-logs?filters.limit=100`, {
      key: ownerKey,
      expect: 200,
    });
    return body.items.filter((item) => item.action === action);
  }

  /** Sign-ins through SSO so far (the owner's own API-key sign-in is one too, of another method). */
  const ssoSignIns = async () => (await events('sign_in')).filter((event) => event.details.method === 'sso').length;

  /** A fresh browser (no session, no provider session) that asks the sign-in page for an SSO sign-in as `email`. */
  async function startAs(email: string): Promise<Page> {
    const fresh = await newContext();
    contexts.push(fresh);
    const target = await fresh.newPage();
    await target.goto(`${harness.baseUrl}/sign-in`);
    await target.getByLabel('Work email', { exact: true }).fill(email);
    await target.getByRole('button', { name: 'Continue with SSO' }).click();
    await target.waitForURL((url) => url.pathname !== '/sign-in' || url.searchParams.has('error'));
    return target;
  }

  async function providerLogin(target: Page, username: string | null, password: string): Promise<void> {
    assert.equal(await target.title(), PROVIDER_TITLE, 'on the provider’s own login page');
    if (username !== null) await target.getByLabel('Username', { exact: true }).fill(username);
    await target.getByLabel('Password', { exact: true }).fill(password);
    await target.getByRole('button', { name: 'Sign in', exact: true }).click();
  }

  before(async () => {
    harness = await sharedHarness();
    const admin = new ApiClient(harness.baseUrl, harness.adminToken);
    const create = async (name: string) =>
      (
        await admin.post<CreatedOrganization>('/api/v1/organizations', {
          name,
          owner: { email: 'alice@example.com', name: 'Alice Anders' },
        })
      ).body;
    const umbrella = await create('Umbrella');
    orgId = umbrella.organization.id;
    ownerKey = umbrella.ownerApiKey;
    await api(`/api/v1/organizations/${orgId}/members`, {
      method: 'POST',
      key: ownerKey,
      body: { email: 'bob@example.com', name: 'Bob Baker', role: 'admin' },
      expect: 201,
    });
    const rival = await create('Rival SSO');
    await api(`/api/v1/organizations/${rival.organization.id}/sso/configuration`, {
      method: 'PUT',
      key: rival.ownerApiKey,
      body: { oidc: { discoveryUrl: harness.oidcIssuer, clientId: 'audit-logs-public', domain: rivalDomain, front: {} } },
      expect: 200,
    });
    ({ context, page, problems } = await signedInPage(ownerKey));
  });

  after(async () => {
    for (const each of contexts) await each.close();
    await context?.close();
  });

  it('shows the SSO section to the owner, empty, with nothing to test yet', async () => {
    await page.goto(`${harness.baseUrl}/orgs/${orgId}/settings`);
    await page.getByRole('navigation', { name: 'Settings sections' }).getByRole('link', { name: 'SSO' }).click();
    await page.waitForURL(ssoUrl());
    await page.getByRole('heading', { level: 2, name: /Single sign-on/ }).waitFor();
    assert.equal(await page.getByTestId('sso-redirect-uri').textContent(), `${harness.baseUrl}/api/v1/auth/sso/callback`);
    assert.equal(await page.getByLabel('Discovery URL', { exact: true }).inputValue(), '');
    assert.equal(await page.getByRole('link', { name: 'Test sign-in' }).count(), 0, 'nothing to test before a save');
    assert.equal(await page.getByRole('button', { name: 'Remove SSO' }).count(), 0);
  });

  it('shows the Worker’s 422 beside the URL field and its 409 beside the domain, and saves nothing', async () => {
    await page.getByLabel('Discovery URL', { exact: true }).fill('http://login.example.net/');
    await page.getByLabel('Client ID', { exact: true }).fill('audit-logs');
    await page.getByLabel('Client secret', { exact: true }).fill(DEMO_CLIENT_SECRET);
    await page.getByLabel('Email domain', { exact: true }).fill('example.com');
    await page.getByRole('button', { name: 'Save SSO settings' }).click();
    await page.getByRole('alert').filter({ hasText: 'Check the fields marked below.' }).waitFor();
    assert.equal(await page.getByLabel('Discovery URL', { exact: true }).getAttribute('aria-invalid'), 'true');
    assert.match((await page.locator('#sso-discovery-url-error').textContent()) ?? '', /https/);

    await page.getByLabel('Discovery URL', { exact: true }).fill(harness.oidcIssuer);
    await page.getByLabel('Domain aliases', { exact: true }).fill(rivalDomain);
    await page.getByRole('button', { name: 'Save SSO settings' }).click();
    await page.locator('#sso-domain-error').waitFor();
    assert.match((await page.locator('#sso-domain-error').textContent()) ?? '', new RegExp(rivalDomain.replaceAll('.', '\\.')));
    assert.equal(await page.getByLabel('Email domain', { exact: true }).getAttribute('aria-invalid'), 'true');
    assert.equal((await api(`/api/v1/organizations/${orgId}/sso/configuration`, { key: ownerKey })).status, 404, 'nothing saved');
  });

  it('saves the configuration and the role map; the secret is never sent back', async () => {
    await page.getByLabel('Domain aliases', { exact: true }).fill('');
    await page.getByLabel('owner', { exact: true }).fill('audit-admins');
    await page.getByLabel('admin', { exact: true }).fill('engineering');
    await page.getByLabel('auditor', { exact: true }).fill('auditors');
    await page.getByRole('button', { name: 'Save SSO settings' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    const stored = await api<Record<string, unknown>>(`/api/v1/organizations/${orgId}/sso/configuration`, { key: ownerKey, expect: 200 });
    assert.deepEqual(stored.body, {
      autoAddMember: false,
      enforceSso: false,
      groupClaims: ['groups'],
      oidc: {
        discoveryUrl: harness.oidcIssuer,
        clientId: 'audit-logs',
        domain: 'example.com',
        domainAliases: [],
        back: {},
        scopes: ['profile', 'groups'],
      },
    });
    assert.ok(!JSON.stringify(stored.body).includes(DEMO_CLIENT_SECRET));
    const map = await api<{ entries: Record<string, string> }>(`/api/v1/organizations/${orgId}/oidc-map`, { key: ownerKey, expect: 200 });
    assert.deepEqual(map.body.entries, { owner: 'audit-admins', admin: 'engineering', auditor: 'auditors' });

    await page.reload();
    assert.equal(await page.getByLabel('Client secret', { exact: true }).inputValue(), '', 'the secret is write-only');
    assert.equal(await page.getByLabel('Client secret', { exact: true }).getAttribute('placeholder'), 'stored — leave empty to keep');
    assert.equal(await page.getByLabel('Discovery URL', { exact: true }).inputValue(), harness.oidcIssuer);
    await page.getByText('Advanced: endpoint overrides').click();
    assert.deepEqual(await axeSeriousViolations(page, 'SSO settings, saved, Advanced open'), []);
  });

  it('Test sign-in goes through the provider’s login page and shows whom it would let in', async () => {
    await page.getByRole('link', { name: 'Test sign-in' }).click();
    await page.waitForURL((url) => url.origin === harness.oidcIssuer);
    const alice = DEMO_ACCOUNTS.alice;
    assert.ok(alice);
    await providerLogin(page, 'alice', alice.password);
    await page.waitForURL((url) => url.href.startsWith(ssoUrl()));
    const url = new URL(page.url());
    assert.equal(url.searchParams.get('test'), 'ok');
    assert.equal(
      await page
        .getByTestId('sso-test-outcome')
        .textContent()
        .then((text) => text?.trim()),
      'Test sign-in ok: alice@example.com would sign in as owner.',
    );
    assert.equal(await ssoSignIns(), 0, 'a test starts no session');
  });

  it('signs bob in through the provider (a wrong password keeps him there), as himself, with a sign_in event', async () => {
    const bob = DEMO_ACCOUNTS.bob;
    assert.ok(bob);
    const target = await startAs(bob.email);
    const bobProblems: string[] = [];
    watch(target, bobProblems);
    assert.equal(await target.getByLabel('Username', { exact: true }).inputValue(), bob.email, 'login_hint fills in the username');
    await providerLogin(target, null, 'not-bobs-password');
    await target.getByRole('alert').filter({ hasText: 'Wrong username or password' }).waitFor();
    assert.equal(await target.title(), PROVIDER_TITLE, 'still at the provider');
    assert.equal(await ssoSignIns(), 0);

    await providerLogin(target, bob.email, bob.password);
    await target.waitForURL((url) => url.origin === harness.baseUrl && !url.pathname.startsWith('/api/'));
    await target.locator('.app-header__email').waitFor();
    assert.equal(await target.locator('.app-header__email').textContent(), bob.email);
    const me = await target.evaluate(async () => (await fetch('/api/v1/me')).json());
    assert.equal((me as { user: { email: string } }).user.email, bob.email);
    const signIns = await events('sign_in');
    assert.ok(
      signIns.some((event) => event.actor.id === bob.email && event.details.method === 'sso'),
      `a sign_in by bob: ${JSON.stringify(signIns)}`,
    );
    assert.deepEqual(bobProblems, []);
  });

  it('a failed sign-in lands on /sign-in with the reason: an unknown domain, or someone who is no member', async () => {
    const stranger = await startAs(`mallory@not-ours-${randomBytes(3).toString('hex')}.example`);
    await stranger.waitForURL((url) => url.pathname === '/sign-in');
    const unknown = new URL(stranger.url());
    assert.equal(unknown.searchParams.get('error'), 'unknown-domain');
    const shown = await stranger.getByTestId('sign-in-redirect-error').textContent();
    assert.equal(shown, unknown.searchParams.get('message'), 'the sign-in page shows the reason');

    const carol = DEMO_ACCOUNTS.carol;
    assert.ok(carol);
    const outsider = await startAs(carol.email);
    await providerLogin(outsider, null, carol.password);
    await outsider.waitForURL((url) => url.origin === harness.baseUrl && url.pathname === '/sign-in');
    const refused = new URL(outsider.url());
    assert.equal(refused.searchParams.get('error'), 'not-a-member');
    assert.match(refused.searchParams.get('message') ?? '', /not a member/);
    assert.match((await outsider.getByTestId('sign-in-redirect-error').textContent()) ?? '', /not a member/);
    assert.equal((await outsider.context().cookies(harness.baseUrl)).filter((c) => c.name === 'audit_session').length, 0, 'no session');
    assert.ok((await events('sign_in_failed')).some((event) => event.actor.id === carol.email));
  });

  it('Remove takes SSO away and frees the domain', async () => {
    await page.goto(ssoUrl());
    await page.getByRole('button', { name: 'Remove SSO' }).click();
    const dialog = page.getByRole('dialog', { name: /Remove SSO/ });
    await dialog.getByRole('button', { name: 'Remove SSO' }).click();
    await page.getByRole('button', { name: 'Remove SSO' }).waitFor({ state: 'detached' });
    assert.equal(await page.getByLabel('Discovery URL', { exact: true }).inputValue(), '');
    assert.equal((await api(`/api/v1/organizations/${orgId}/sso/configuration`, { key: ownerKey })).status, 404);
    assert.deepEqual(problems, []);
  });
});
