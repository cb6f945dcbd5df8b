/**
 * People signing in as themselves, in real Chromium against the real Worker: the owner invites an
 * auditor from Settings → Members; the invited person opens the one-time link in a browser of
 * their own, creates a passkey on Chromium's virtual authenticator (DevTools WebAuthn domain: a
 * real CTAP2 authenticator, not a stub) and lands signed in as themselves; their export is
 * recorded as theirs. Then: signing out and in again with the passkey, Account → Sessions and
 * Passkeys, a one-time sign-in link, and the hostile cases (a used or revoked invitation link, a
 * removed member's passkey).
 *
 * Run: `npm run test:e2e`, or `node --test test/e2e/dashboard-sign-in.test.ts` (after `npm run build:web`).
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { BrowserContext, CDPSession, Page } from 'playwright-core';
import { api } from './support/api.ts';
import { browserSuite, newContext, watch } from './support/browser.ts';
import { type Harness, sharedHarness } from './support/harness.ts';
import { type AxeFinding, axeViolations } from './support/page-checks.ts';
import { screenshot } from './support/views.ts';

/** axe-core findings of the sign-in pages' states (moderate and worse), asserted at the end. */
const findings: AxeFinding[] = [];

interface EventItem {
  id: string;
  action: string;
  actor: { type: string; id: string };
  object: { type: string; id: { name?: string } };
  details: Record<string, unknown>;
  credential?: { type: string; id: string };
}

interface Person {
  context: BrowserContext;
  page: Page;
  cdp: CDPSession;
  authenticatorId: string;
}

/** A new browser (own cookies) with a platform authenticator that holds discoverable, user-verified credentials. */
async function personWithAuthenticator(problems: string[]): Promise<Person> {
  const context = await newContext();
  const page = await context.newPage();
  watch(page, problems);
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true },
  });
  return { context, page, cdp, authenticatorId };
}

browserSuite('signing in as oneself in Chromium', () => {
  let harness: Harness;
  let owner: Page;
  let ownerContext: BrowserContext;
  let auditor: Person;
  const problems: string[] = [];
  const stamp = Date.now().toString(36);
  const auditorEmail = `audra-${stamp}@example.com`;
  let invitationUrl = '';
  let auditorUserId = '';

  /**
   * WebAuthn refuses an IP address as the relying party id: the browsers here use the server as
   * http://localhost:<port> (a secure context, RP id `localhost`), as a deployment uses its host name.
   */
  let site = '';
  const orgId = () => harness.seed.orgs[0]?.id ?? '';
  const orgApi = (path: string) => `/api/v1/organizations/${orgId()}${path}`;
  const events = async (action: string) =>
    (await api<{ items: EventItem[] }>(orgApi(`/audit-logs?filters.action=${action}&filters.limit=100`), { expect: 200 })).body.items;
  const inviteForm = () => owner.getByRole('form', { name: 'Invite a person' });

  /** Invites through the Invitations form of Settings → Members; returns the one-time URL it shows. */
  async function inviteInTheDashboard(email: string, role: string): Promise<string> {
    await owner.goto(`${site}/orgs/${orgId()}/settings/members`);
    await owner.getByRole('heading', { name: 'Invitations' }).waitFor();
    await inviteForm().getByLabel('Email').fill(email);
    await inviteForm().getByLabel('Role').selectOption(role);
    await inviteForm().getByRole('button', { name: 'Invite' }).click();
    await owner.getByText(`Invited ${email} as ${role}.`).waitFor();
    const url = await owner.getByTestId('invitation-url').inputValue();
    await owner.getByRole('button', { name: 'Copy link' }).click();
    assert.equal(await owner.evaluate(() => navigator.clipboard.readText()), url, 'Copy link copies the URL shown');
    assert.match(url, new RegExp(`^${site}/invitations/[A-Za-z0-9_-]{43}$`));
    assert.ok(await owner.getByRole('cell', { name: email, exact: true }).isVisible(), 'the pending invitation is listed');
    return url;
  }

  /** The current user as the page's own cookies say (401 when signed out). */
  const meOf = (page: Page) =>
    page.evaluate(async () => {
      const response = await fetch('/api/v1/me');
      return { status: response.status, body: response.ok ? ((await response.json()) as { user: { email: string } }) : null };
    });

  before(async () => {
    harness = await sharedHarness();
    site = harness.baseUrl.replace('//127.0.0.1:', '//localhost:');
    ownerContext = await newContext();
    await ownerContext.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: site });
    owner = await ownerContext.newPage();
    watch(owner, problems);
    await owner.goto(`${site}/sign-in`);
    await owner.getByLabel('API key').fill(harness.seed.owner.apiKey);
    await owner.getByRole('button', { name: 'Sign in', exact: true }).click();
    await owner.waitForURL((url) => !url.pathname.startsWith('/sign-in'));
  });

  after(async () => {
    await ownerContext?.close();
    await auditor?.context.close();
  });

  it('the owner invites an auditor in Settings → Members and gets a one-time link', async () => {
    invitationUrl = await inviteInTheDashboard(auditorEmail, 'auditor');
    const pending = await api<{ invitations: { email: string; role: string }[] }>(orgApi('/invitations'), { expect: 200 });
    assert.ok(pending.body.invitations.some((entry) => entry.email === auditorEmail && entry.role === 'auditor'));
  });

  it('the invited person creates a passkey on the link and lands signed in as themselves, with the auditor role', async () => {
    auditor = await personWithAuthenticator(problems);
    const { page } = auditor;
    await page.goto(invitationUrl);
    await page.getByRole('heading', { level: 1, name: 'Join Acme' }).waitFor();
    findings.push(...(await axeViolations(page, 'invitation: join')));
    assert.equal(await page.getByTestId('invited-email').textContent(), auditorEmail);
    await page.getByRole('button', { name: 'Create a passkey and join' }).click();
    await page.waitForURL(`${site}/orgs/${orgId()}/audit-logs`);
    await page.locator('.app-header__email', { hasText: auditorEmail }).waitFor();
    assert.equal(await page.locator('.app-header__role').textContent(), 'auditor');
    const { credentials } = await auditor.cdp.send('WebAuthn.getCredentials', { authenticatorId: auditor.authenticatorId });
    assert.equal(credentials.length, 1, 'one credential on the authenticator');
    assert.equal(credentials[0]?.isResidentCredential, true, 'a discoverable credential');
    const me = await meOf(page);
    assert.equal(me.body?.user.email, auditorEmail);
    const members = await api<{ members: { userId: string; email: string; role: string }[] }>(orgApi('/members'), { expect: 200 });
    const member = members.body.members.find((entry) => entry.email === auditorEmail);
    assert.equal(member?.role, 'auditor');
    auditorUserId = member?.userId ?? '';
    await screenshot(page, 'invited-auditor-signed-in');
  });

  it("the auditor's export is recorded as theirs, with the passkey that did it", async () => {
    const { page } = auditor;
    await page.locator('tbody tr.audit-table__row').first().waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Export CSV' }).click()]);
    assert.match(download.suggestedFilename(), /\.csv$/);
    const exports = (await events('export')).filter((event) => event.actor.id === auditorEmail);
    assert.equal(exports.length, 1, 'one export by the auditor');
    const signIns = (await events('sign_in')).filter((event) => event.actor.id === auditorEmail);
    assert.equal(signIns.length, 1, 'the accept started one session, recorded as a sign-in');
    assert.equal(signIns[0]?.details.method, 'passkey');
    const [accepted] = (await events('accept')).filter((event) => event.actor.id === auditorEmail);
    assert.equal(accepted?.object.type, 'invitation');
    // The event JSON carries `credential` once attribution is exposed in the API (docs/API.md, "The event").
    for (const event of [...exports, ...signIns]) {
      if (event.credential !== undefined) assert.equal(event.credential.type, 'passkey', `${event.action} credential`);
    }
  });

  it('the same invitation link again says it is no longer valid', async () => {
    const again = await newContext();
    const page = await again.newPage();
    await page.goto(invitationUrl);
    await page.getByRole('heading', { level: 1, name: 'Invitation not valid' }).waitFor();
    findings.push(...(await axeViolations(page, 'invitation: not valid')));
    assert.match((await page.getByRole('alert').textContent()) ?? '', /not valid: it may have expired, been used or been revoked/);
    await screenshot(page, 'invitation-not-valid');
    assert.equal(await page.getByRole('button', { name: /passkey/ }).count(), 0);
    await again.close();
  });

  it('a revoked invitation link is not valid either', async () => {
    const email = `revoked-${stamp}@example.com`;
    const url = await inviteInTheDashboard(email, 'member');
    await owner.getByRole('button', { name: `Revoke the invitation of ${email}` }).click();
    await owner.getByText(`Revoked the invitation of ${email}.`).waitFor();
    assert.equal(await owner.getByTestId('invitation-url').count(), 0, 'the revoked link is no longer shown');
    const other = await personWithAuthenticator(problems);
    await other.page.goto(url);
    await other.page.getByRole('heading', { level: 1, name: 'Invitation not valid' }).waitFor();
    assert.match((await other.page.getByRole('alert').textContent()) ?? '', /been revoked/);
    assert.equal(await other.page.getByRole('button', { name: /passkey/ }).count(), 0);
    // The join itself is refused too, whatever the page shows.
    const token = url.slice(url.lastIndexOf('/') + 1);
    const options = await other.page.evaluate(
      async (path) => (await fetch(path, { method: 'POST' })).status,
      `/api/v1/invitations/${token}/passkey-options`,
    );
    assert.equal(options, 404);
    await other.context.close();
  });

  it('signs out, then signs in again with the passkey from the sign-in page', async () => {
    const { page } = auditor;
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.waitForURL(/\/sign-in\?signed-out=1$/);
    assert.equal((await meOf(page)).status, 401);
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await page.waitForURL((url) => !url.pathname.startsWith('/sign-in'));
    await page.locator('.app-header__email', { hasText: auditorEmail }).waitFor();
    assert.equal((await meOf(page)).body?.user.email, auditorEmail);
    const signOuts = (await events('sign_out')).filter((event) => event.actor.id === auditorEmail);
    assert.equal(signOuts.length, 1);
  });

  it('Account → Sessions lists the passkey session; "Sign out everywhere else" ends the others', async () => {
    const { page } = auditor;
    // A second session of the same person: a one-time sign-in link opened in another browser.
    const link = await api<{ url: string }>('/api/v1/auth/sign-in-links', {
      method: 'POST',
      key: harness.adminToken,
      body: { email: auditorEmail },
      expect: 201,
    });
    const elsewhere = await newContext();
    const other = await elsewhere.newPage();
    watch(other, problems);
    await other.goto(link.body.url);
    await other.getByRole('button', { name: 'Continue' }).click();
    await other.waitForURL((url) => !url.pathname.startsWith('/sign-in'));
    assert.equal((await meOf(other)).body?.user.email, auditorEmail);

    await page.getByRole('navigation', { name: 'Your account' }).getByRole('link', { name: 'Sessions' }).click();
    await page.getByRole('heading', { level: 1, name: `Sessions of ${auditorEmail}` }).waitFor();
    const rows = page.locator('tbody tr');
    assert.equal(await rows.count(), 2);
    assert.match((await rows.filter({ hasText: '(this session)' }).textContent()) ?? '', /Passkey/);
    assert.match((await rows.filter({ hasNotText: '(this session)' }).textContent()) ?? '', /Sign-in link/);
    await page.getByRole('button', { name: 'Sign out everywhere else' }).click();
    await page.getByText('Signed out everywhere else.').waitFor();
    assert.equal(await rows.count(), 1);
    assert.equal((await meOf(other)).status, 401, 'the other browser is signed out');
    assert.equal((await meOf(page)).status, 200, 'this one goes on');
    await page.reload();
    await page.getByRole('heading', { level: 1, name: `Sessions of ${auditorEmail}` }).waitFor();
    assert.equal(await rows.count(), 1, 'after a reload too');
    await elsewhere.close();
  });

  it('Account → Passkeys lists the passkey, and a second one (another authenticator) can be added', async () => {
    const { page, cdp } = auditor;
    await page.getByRole('main').getByRole('link', { name: 'Passkeys' }).click();
    await page.getByRole('heading', { level: 1, name: `Passkeys of ${auditorEmail}` }).waitFor();
    const rows = page.locator('tbody tr');
    assert.equal(await rows.count(), 1);
    assert.match((await rows.first().textContent()) ?? '', /Passkey/);
    // The first authenticator holds an excluded credential: the second is a security key, the
    // first one stays away (as a person unplugs nothing, but picks the other device).
    await cdp.send('WebAuthn.setUserVerified', { authenticatorId: auditor.authenticatorId, isUserVerified: true });
    const saved = await cdp.send('WebAuthn.getCredentials', { authenticatorId: auditor.authenticatorId });
    await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId: auditor.authenticatorId });
    const { authenticatorId: securityKey } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'usb', hasResidentKey: true, hasUserVerification: true, isUserVerified: true },
    });
    await page.getByLabel('Name (optional)').fill('Security key');
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await page.getByText('Added the passkey "Security key".').waitFor();
    assert.equal(await rows.count(), 2);
    findings.push(...(await axeViolations(page, 'account: passkeys, one added')));
    const stored = await api<unknown>('/api/v1/me/passkeys', { key: harness.seed.owner.apiKey });
    assert.equal(stored.status, 403, 'an API key never manages passkeys');
    await page.reload();
    await page.getByRole('heading', { level: 1, name: `Passkeys of ${auditorEmail}` }).waitFor();
    assert.deepEqual((await rows.locator('td:first-child').allTextContents()).sort(), ['Passkey', 'Security key']);
    // Deleting asks first; the session goes on.
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Delete the passkey Security key' }).click();
    await page.getByText('Deleted the passkey "Security key".').waitFor();
    assert.equal(await rows.count(), 1);
    assert.equal((await meOf(page)).status, 200);
    // Put the first authenticator back (with its credential) for the next test.
    const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true },
    });
    await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId: securityKey });
    for (const credential of saved.credentials) await cdp.send('WebAuthn.addCredential', { authenticatorId, credential });
    auditor.authenticatorId = authenticatorId;
  });

  it("a removed member's passkey signs in to nothing: no session and a clear message", async () => {
    const { page } = auditor;
    await page.getByRole('link', { name: '← Back to the dashboard' }).click();
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.waitForURL(/\/sign-in\?signed-out=1$/);
    await api(orgApi(`/members/${auditorUserId}`), { method: 'DELETE', expect: 204 });
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    const message = page.getByRole('alert');
    await message.waitFor();
    assert.match((await message.textContent()) ?? '', /not a member of any organization here/);
    findings.push(...(await axeViolations(page, 'sign-in: passkey of nobody')));
    await screenshot(page, 'passkey-sign-in-no-membership');
    assert.equal(new URL(page.url()).pathname, '/sign-in');
    assert.equal((await meOf(page)).status, 401, 'no session');
    const cookies = await auditor.context.cookies();
    assert.equal(cookies.filter((cookie) => cookie.name === 'audit_session').length, 0);
  });

  it('a one-time sign-in link signs the owner in (method link) when they press Continue', async () => {
    const link = await api<{ url: string; expiresAt: string }>('/api/v1/auth/sign-in-links', {
      method: 'POST',
      key: harness.adminToken,
      body: { email: harness.seed.owner.email },
      expect: 201,
    });
    assert.match(link.body.url, new RegExp(`^${harness.baseUrl}/sign-in/link#[A-Za-z0-9_-]+$`));
    const context = await newContext();
    const page = await context.newPage();
    watch(page, problems);
    await page.goto(link.body.url);
    await page.getByRole('heading', { level: 1, name: 'Sign in with a one-time link' }).waitFor();
    findings.push(...(await axeViolations(page, 'sign-in link')));
    assert.equal((await meOf(page)).status, 401, 'opening the link signs nobody in');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL((url) => !url.pathname.startsWith('/sign-in'));
    await page.locator('.app-header__email', { hasText: harness.seed.owner.email }).waitFor();
    await page.getByRole('navigation', { name: 'Your account' }).getByRole('link', { name: 'Sessions' }).click();
    const current = page.locator('tbody tr', { hasText: '(this session)' });
    await current.waitFor();
    assert.match((await current.textContent()) ?? '', /Sign-in link/);
    findings.push(...(await axeViolations(page, 'account: sessions')));
    // The link worked once: opened again, Continue is refused and signs nobody in.
    const again = await newContext();
    const second = await again.newPage();
    await second.goto(link.body.url);
    await second.getByRole('button', { name: 'Continue' }).click();
    await second.getByRole('alert').waitFor();
    assert.match((await second.getByRole('alert').textContent()) ?? '', /not valid: it may have expired or been used/);
    findings.push(...(await axeViolations(second, 'sign-in link: used')));
    assert.equal((await meOf(second)).status, 401);
    await again.close();
    await context.close();
  });

  it('logged no script errors or CSP violations, and axe found nothing moderate or worse', () => {
    assert.deepEqual(problems, []);
    assert.deepEqual(findings, []);
  });
});
