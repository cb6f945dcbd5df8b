/**
 * The accessibility and compliance claims beyond the Audit Logs view (see dashboard-access.test.ts),
 * in real Chromium against the real Worker: archives verified with sha256sum and openssl as an
 * auditor would, the custom range fields, the other pages and states (instances, not found, access
 * denied, no archives, settings, search, object filters) at 1280 and 390 px, phones; axe-core over
 * every one: no serious or critical violation.
 *
 * Run: `npm run test:e2e`, or `node --test test/e2e/dashboard-access-pages.test.ts` (after `npm run build:web`).
 */
import assert from 'node:assert/strict';
import { execFileSync, execSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { api } from './support/api.ts';
import { browserSuite, newContext, PHONE, signedInPage, signIn, ZONE } from './support/browser.ts';
import { type Harness, sharedHarness } from './support/harness.ts';
import { type AxeFinding, axeSeriousViolations } from './support/page-checks.ts';
import { auditUrl, rows, settled } from './support/views.ts';

/** The states this file checks with axe-core (dashboard-access.test.ts checks 8 more: 32 in all). */
const AXE_STATES = 24;

browserSuite('archives, other pages and phones for compliance users and accessibility reviewers', () => {
  let harness: Harness;
  let context: BrowserContext;
  let page: Page;
  const findings: AxeFinding[] = [];
  const statesChecked: string[] = [];

  const orgId = () => harness.seed.orgs[0]?.id ?? '';

  async function axe(state: string, target: Page = page): Promise<void> {
    findings.push(...(await axeSeriousViolations(target, state)));
    statesChecked.push(state);
  }

  before(async () => {
    harness = await sharedHarness();
    ({ context, page } = await signedInPage());
  });

  after(async () => {
    await context?.close();
  });

  it('lets an auditor verify an archive: full SHA-256, manifest, signature, public key, sha256sum and openssl', async () => {
    await page.goto(auditUrl());
    await settled(page);
    await page.getByRole('button', { name: 'Archive' }).click();
    const dialog = page.getByRole('dialog', { name: 'Weekly archives' });
    await dialog.locator('.archives__row').first().waitFor();
    await dialog.getByRole('link', { name: 'archive-key.pem' }).waitFor();
    const { body: list } = await api<{ archives: { sha256: string; manifestUrl: string; signatureUrl: string }[] }>(
      `/api/v1/organizations/${orgId()}/audit-logs-archives`,
      { expect: 200 },
    );
    const newest = list.archives[0];
    assert.ok(newest);
    assert.ok(await dialog.getByRole('table', { name: 'Weekly archives of Acme, newest first' }).isVisible());
    const row = dialog.locator('.archives__row').first();
    assert.equal((await row.getByTestId('archive-sha256').textContent())?.trim(), newest.sha256);
    await row.getByRole('button', { name: /^Copy SHA-256/ }).click();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), newest.sha256);
    assert.match(((await dialog.locator('.modal__note').textContent()) ?? '').replace(/\s+/g, ' '), new RegExp(`valid until .+ ${ZONE};`));
    assert.equal(
      await dialog.getByRole('link', { name: 'public key as JSON' }).getAttribute('href'),
      '/api/v1/audit-logs-archives/public-key',
    );
    await axe('archive dialog');

    const folder = mkdtempSync(join(tmpdir(), 'archive-verify-'));
    try {
      const links = [
        row.getByRole('link', { name: /^Download the archive of/ }),
        row.getByRole('link', { name: /^Download the manifest of/ }),
        row.getByRole('link', { name: /^Download the signature of/ }),
        dialog.getByRole('link', { name: 'archive-key.pem' }),
        dialog.getByRole('link', { name: 'audit-log-verify.mjs' }),
        dialog.getByRole('link', { name: 'its SHA-256' }),
      ];
      assert.equal(new URL((await links[1]?.getAttribute('href')) ?? '').pathname, new URL(newest.manifestUrl).pathname);
      assert.equal(new URL((await links[2]?.getAttribute('href')) ?? '').pathname, new URL(newest.signatureUrl).pathname);
      for (const link of links) {
        const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
        await download.saveAs(join(folder, download.suggestedFilename()));
      }
      const commands = ((await dialog.getByTestId('verify-commands').textContent()) ?? '').trim().split('\n');
      assert.equal(commands.length, 2);
      assert.match(
        commands[1] ?? '',
        /^openssl pkeyutl -verify -pubin -inkey archive-key\.pem -rawin -in \S+\.manifest\.json -sigfile \S+\.sig$/,
      );
      const sha = execSync(commands[0] ?? '', { cwd: folder, encoding: 'utf8' });
      assert.equal(sha.split(/\s+/)[0], newest.sha256, 'sha256sum prints the SHA-256 shown');
      const verified = execSync(commands[1] ?? '', { cwd: folder, encoding: 'utf8' });
      assert.match(verified, /Signature Verified Successfully/);
      // The standalone verifier, downloaded beside them, checks the folder as the dialog says.
      const verifierSha256 = createHash('sha256')
        .update(readFileSync(join(folder, 'audit-log-verify.mjs')))
        .digest('hex');
      assert.equal(readFileSync(join(folder, 'audit-log-verify.mjs.sha256'), 'utf8'), `${verifierSha256}  audit-log-verify.mjs\n`);
      const command = ((await dialog.getByTestId('verifier-command').textContent()) ?? '').trim();
      assert.equal(command, 'node audit-log-verify.mjs --dir . --public-key archive-key.pem');
      const [, ...args] = command.split(' ');
      const report = execFileSync(process.execPath, args, { cwd: folder, encoding: 'utf8' });
      assert.match(report, /^VERIFIED: \. \(1 archive of 1 organization\)$/m);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
  });

  it('fits the custom range fields at 1280 px, and passes axe on the other pages', async () => {
    const day = 86_400_000;
    const to = new Date(Date.now() - day).toISOString();
    const from = new Date(Date.now() - 3 * day).toISOString();
    await page.goto(auditUrl(`?range=custom&from=${from}&to=${to}`));
    await settled(page);
    for (const input of [page.getByLabel(`From (${ZONE})`), page.getByLabel(`To (${ZONE})`)]) {
      assert.ok(await input.evaluate((element) => element.scrollWidth <= element.clientWidth), 'the date and time are not clipped');
    }
    const boxes = await page.locator('.filters__field').evaluateAll((fields) =>
      fields.map((field) => {
        const box = field.getBoundingClientRect();
        const input = field.querySelector('input, select')?.getBoundingClientRect();
        return { left: box.left, right: box.right, top: box.top, inputRight: input?.right ?? box.right };
      }),
    );
    for (const [index, box] of boxes.entries()) {
      assert.ok(box.inputRight <= box.right + 0.5, `field ${index}: its input ends within it (${box.inputRight} > ${box.right})`);
      const next = boxes[index + 1];
      if (next && next.top === box.top) assert.ok(next.left >= box.right, `field ${index + 1} starts after field ${index}`);
    }
    await axe('custom range');

    await page.getByRole('navigation', { name: 'Organization sections' }).getByRole('link', { name: 'Argo CD' }).click();
    await page.getByRole('heading', { name: 'Argo CD instances' }).waitFor();
    await axe('Argo CD instances');
    await page.getByRole('link', { name: /production/ }).click();
    await settled(page);
    await axe('instance audit logs');
    await page.goto(auditUrl('', 'org_does_not_exist'));
    await page.getByRole('heading', { level: 1, name: 'Page not found' }).waitFor();
    await axe('organization not found');

    const member = await newContext();
    const memberPage = await member.newPage();
    await signIn(memberPage, harness.seed.memberApiKey);
    await memberPage.getByText('Audit logs are available to organization owners').waitFor();
    await axe('access denied (member)', memberPage);
    await member.close();

    const globex = harness.seed.orgs[1];
    assert.ok(globex);
    const other = await newContext();
    const otherPage = await other.newPage();
    await signIn(otherPage, globex.apiKey);
    await settled(otherPage);
    await otherPage.getByRole('button', { name: 'Archive' }).click();
    await otherPage.getByRole('heading', { name: 'No archives yet' }).waitFor();
    await axe('no archives yet', otherPage);
    await other.close();
  });

  it('works at 390 px: every action reachable, the first rows above the fold', async () => {
    const phone = await context.newPage();
    await phone.setViewportSize(PHONE);
    await phone.goto(auditUrl());
    await settled(phone);
    const first = await rows(phone).first().boundingBox();
    assert.ok(first && first.y + 40 < PHONE.height, `the first row starts at ${first?.y} px, within the ${PHONE.height} px screen`);
    assert.equal(await phone.evaluate(() => window.scrollY), 0);
    const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `page is ${overflow}px wider than the screen`);
    const actions = [
      phone.getByRole('button', { name: 'Export', exact: true }),
      phone.getByRole('button', { name: 'Archive' }),
      phone.getByRole('button', { name: 'Sign out' }),
      phone.getByRole('button', { name: /^Filters/ }),
      phone.getByLabel('Organization', { exact: true }),
      phone.getByRole('link', { name: 'Add organization' }),
      phone.getByRole('link', { name: 'Local', exact: true }),
      phone.getByRole('link', { name: 'UTC', exact: true }),
      phone.getByRole('button', { name: 'Load more' }),
    ];
    for (const action of actions) {
      await action.scrollIntoViewIfNeeded();
      const box = await action.boundingBox();
      assert.ok(box && box.x >= 0 && box.x + box.width <= PHONE.width && box.width > 0, `${action} is on screen`);
    }
    // The exports share one button on a phone: it opens both, on screen.
    await phone.evaluate(() => window.scrollTo(0, 0));
    await phone.getByRole('button', { name: 'Export', exact: true }).click();
    for (const name of ['Export CSV', 'Export NDJSON']) {
      const box = await phone.getByRole('link', { name }).boundingBox();
      assert.ok(box && box.x >= 0 && box.x + box.width <= PHONE.width && box.y + box.height <= PHONE.height, `${name} is on screen`);
    }
    await phone.keyboard.press('Escape');
    await phone.evaluate(() => window.scrollTo(0, 0));
    await axe('phone', phone);
    const toggle = phone.getByRole('button', { name: /^Filters/ });
    assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
    assert.equal(await phone.getByLabel('Actor').isVisible(), false);
    await toggle.click();
    assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
    assert.ok(await phone.getByLabel('Actor').isVisible());
    await axe('phone, filters open', phone);
    await rows(phone).first().locator('.audit-table__open').click();
    const drawer = phone.getByRole('dialog', { name: /^Event details: / });
    await drawer.waitFor();
    const close = await drawer.getByRole('button', { name: 'Close details' }).boundingBox();
    assert.ok(close && close.x + close.width <= PHONE.width);
    await axe('phone, event details', phone);
    await phone.close();
  });

  it('passes axe on the new pages and states, and fits them in 390 px', async () => {
    const phone = await context.newPage();
    await phone.setViewportSize(PHONE);
    const states: [string, string, ((target: Page) => Promise<void>) | null][] = [
      ['settings: retention', '/settings/retention', null],
      ['settings: members', '/settings/members', null],
      ['settings: API keys', '/settings/api-keys', null],
      ['search: chips', `/audit-logs?q=${encodeURIComponent('actor:dave@example.com -action:sync')}`, null],
      ['search: refused', `/audit-logs?q=${encodeURIComponent('acter:bob')}`, null],
      ['search: help open', '/audit-logs', (target) => target.getByRole('button', { name: 'Search syntax' }).click()],
      ['object filters', '/audit-logs?app=guestbook&children=1', null],
    ];
    for (const [state, path, action] of states) {
      for (const [target, size] of [
        [page, 'desktop'],
        [phone, 'phone'],
      ] as const) {
        await target.goto(`${harness.baseUrl}/orgs/${orgId()}${path}`);
        await target.getByRole('heading', { level: 1 }).first().waitFor();
        await target.waitForLoadState('networkidle');
        if (size === 'phone' && path.startsWith('/audit-logs')) await target.getByRole('button', { name: /^Filters/ }).click();
        if (action) await action(target);
        const overflow = await target.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        assert.ok(overflow <= 0, `${state} (${size}) is ${overflow}px wider than the screen`);
        await axe(`${state} (${size})`, target);
      }
    }
    await phone.close();
  });

  it('has no serious or critical axe-core violation in these states', () => {
    console.log(
      `[e2e] axe-core: ${statesChecked.length} states checked (${statesChecked.join(', ')}), ${findings.length} serious/critical violations`,
    );
    assert.ok(statesChecked.length >= AXE_STATES, `${statesChecked.length} states`);
    assert.deepEqual(findings, []);
  });
});
