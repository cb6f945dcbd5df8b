/**
 * Sessions in real Chromium against the real Worker (see dashboard.test.ts): the owner signs out
 * and every page asks to sign in again; a member (not an owner) sees the 403 page, never a row,
 * and the dashboard never asks the API for audit events on their behalf.
 *
 * Run: `npm run test:e2e`, or `node --test test/e2e/dashboard-session.test.ts` (after `npm run build:web`).
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { browserSuite, newContext, signedInPage, watch } from './support/browser.ts';
import { type Harness, sharedHarness } from './support/harness.ts';
import { auditUrl, screenshot } from './support/views.ts';

browserSuite('sessions in Chromium', () => {
  let harness: Harness;
  let context: BrowserContext;
  let page: Page;
  let problems: string[] = [];

  const orgId = () => harness.seed.orgs[0]?.id ?? '';

  before(async () => {
    harness = await sharedHarness();
    ({ context, page, problems } = await signedInPage());
  });

  after(async () => {
    await context?.close();
  });

  it('signs out: the session is gone and pages ask to sign in again', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/sign-in\?signed-out=1$/);
    await page.getByText('You have signed out.').waitFor();
    const me = await page.evaluate(async () => (await fetch('/api/v1/me')).status);
    assert.equal(me, 401);
    await page.goto(auditUrl());
    await page.waitForURL(/\/sign-in\?next=/);
  });

  it('shows a member (non-owner) the 403 page and never a row', async () => {
    const memberContext = await newContext();
    const member = await memberContext.newPage();
    watch(member, problems);
    const auditRequests: string[] = [];
    member.on('request', (request) => {
      if (/\/api\/v1\/organizations\/[^/]+\/(instances\/[^/]+\/)?(csv-)?audit-logs/.test(request.url())) {
        auditRequests.push(request.url());
      }
    });
    await member.goto(`${harness.baseUrl}/sign-in`);
    await member.getByLabel('API key').fill(harness.seed.memberApiKey);
    await member.getByRole('button', { name: 'Sign in', exact: true }).click();
    await member.waitForURL(auditUrl());
    await member.getByRole('heading', { level: 1, name: 'Access denied' }).waitFor();
    await member.getByText('Audit logs are available to organization owners').waitFor();
    assert.equal(await member.locator('tbody tr').count(), 0);
    assert.equal(await member.getByRole('button', { name: 'Archive' }).count(), 0);
    assert.equal(await member.getByRole('link', { name: 'Export CSV' }).count(), 0);
    // Only the member's organization is offered.
    assert.deepEqual(await member.getByLabel('Organization', { exact: true }).locator('option').allTextContents(), ['Acme']);

    // An instance's audit log is owner-only too; the instance list itself is readable.
    await member.goto(`${harness.baseUrl}/orgs/${orgId()}/instances/${harness.seed.instances.production}/audit-logs`);
    await member.getByText('Audit logs are available to organization owners').waitFor();
    assert.equal(await member.locator('tbody tr').count(), 0);
    assert.deepEqual(auditRequests, [], 'the dashboard never asked for audit events');
    await screenshot(member, 'forbidden');
    await memberContext.close();
  });

  it('lets the browser keep the hashed dashboard files (a full page load costs no revalidation)', async () => {
    const html = await (await fetch(`${harness.baseUrl}/sign-in`)).text();
    const asset = /\/_app\/immutable\/[^"']+\.js/.exec(html)?.[0];
    assert.ok(asset, 'the page names an /_app/immutable/ script');
    const cached = await fetch(`${harness.baseUrl}${asset}`);
    assert.equal(cached.status, 200);
    assert.match(cached.headers.get('cache-control') ?? '', /max-age=31536000.*immutable/);
    // The page itself is revalidated: a new deployment must reach the next load.
    assert.doesNotMatch((await fetch(`${harness.baseUrl}/sign-in`)).headers.get('cache-control') ?? '', /immutable/);
  });

  it('logged no script errors or CSP violations', () => {
    assert.deepEqual(problems, []);
  });
});
