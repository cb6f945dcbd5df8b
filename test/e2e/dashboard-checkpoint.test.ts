/**
 * The "Verified through" line of the Audit Logs header (web/src/lib/audit/verified-through.svelte),
 * in real Chromium against the real Worker: an organization of its own (a new owner, so no other
 * file's organization or switcher changes) shows "Not verified yet", then, after a checkpoint is
 * asked for through the API, "Verified through sequence N" with N the checkpoint's sequence; on
 * the instance tab too; its "How to check" popover links the checkpoints, the public key and the
 * verifier; a member sees no line (and the dashboard never asks: members get 403); axe-core finds
 * no serious or critical violation in any of these states.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import type { CreatedOrganization } from '../../worker/contract/index.ts';
import { api } from './support/api.ts';
import { browserSuite, signedInPage } from './support/browser.ts';
import { type Harness, sharedHarness } from './support/harness.ts';
import { type AxeFinding, axeSeriousViolations } from './support/page-checks.ts';
import { auditUrl, settled } from './support/views.ts';

browserSuite('dashboard: verified through the latest signed checkpoint', () => {
  let harness: Harness;
  let org: { id: string; ownerKey: string; memberKey: string; instanceId: string };
  /** The checkpoint's sequence, once asked for. */
  let sequence = 0;
  const contexts: BrowserContext[] = [];
  const findings: AxeFinding[] = [];
  const pageProblems: string[][] = [];
  const line = (page: Page) => page.getByTestId('verified-through');

  /** A new session signed in with `key`; its script and console errors are checked at the end. */
  async function pageFor(key: string): Promise<Page> {
    const { context, page, problems } = await signedInPage(key);
    contexts.push(context);
    pageProblems.push(problems);
    return page;
  }

  before(async () => {
    harness = await sharedHarness();
    const admin = { key: harness.adminToken };
    const created = await api<CreatedOrganization>('/api/v1/organizations', {
      ...admin,
      method: 'POST',
      body: { name: 'Checkpoint Co', owner: { email: 'checkpoint-owner@example.com', name: 'Carla Checkpoint' } },
      expect: 201,
    });
    const id = created.body.organization.id;
    const instance = await api<{ id: string }>(`/api/v1/organizations/${id}/instances`, {
      ...admin,
      method: 'POST',
      body: { type: 'argocd', name: 'checkpoint-prod' },
      expect: 201,
    });
    const ownerKey = created.body.ownerApiKey;
    const member = await api<{ secret: string }>(`/api/v1/organizations/${id}/api-keys`, {
      key: ownerKey,
      method: 'POST',
      body: { name: 'Member key', role: 'member' },
      expect: 201,
    });
    const now = Date.now();
    await api(`/api/v1/organizations/${id}/audit-logs`, {
      key: ownerKey,
      method: 'POST',
      body: {
        items: [1, 2, 3].map((index) => ({
          id: `evt-checkpoint-${index}`,
          instanceId: instance.body.id,
          timestamp: new Date(now - index * 60_000).toISOString(),
          action: 'sync',
          actor: { type: 'user', id: 'carla@example.com' },
          object: { type: 'argocd_application', id: { name: `app-${index}` } },
          details: { message: 'Synced' },
        })),
      },
      expect: 201,
    });
    org = { id, ownerKey, memberKey: member.body.secret, instanceId: instance.body.id };
  });

  after(async () => {
    for (const context of contexts) await context.close();
    assert.deepEqual(findings, [], JSON.stringify(findings, null, 2));
    assert.deepEqual(pageProblems.flat(), []);
  });

  it('says "Not verified yet" before the first checkpoint, then the checkpoint\'s sequence', async () => {
    const page = await pageFor(org.ownerKey);
    await page.goto(auditUrl('', org.id));
    await settled(page);
    await line(page).getByText('Not verified yet').waitFor();
    findings.push(...(await axeSeriousViolations(page, 'not verified yet')));

    const { body } = await api<{ checkpoint: { sequence: number; time: string } }>(
      `/api/v1/organizations/${org.id}/audit-log-checkpoints`,
      {
        key: org.ownerKey,
        method: 'POST',
        expect: 201,
      },
    );
    // The checkpoint covers every event stored, the request's own record the last of them.
    const stream = await api<{ items: { sequence: number }[] }>(`/api/v1/organizations/${org.id}/audit-log-stream?limit=1000`, {
      key: org.ownerKey,
      expect: 200,
    });
    sequence = body.checkpoint.sequence;
    assert.equal(sequence, stream.body.items.at(-1)?.sequence);
    assert.ok(sequence >= 4);
    await page.reload();
    await settled(page);
    const text = ((await line(page).getByText('Verified through sequence').textContent()) ?? '').replace(/\s+/g, ' ').trim();
    assert.match(text, new RegExp(`^Verified through sequence ${sequence} at \\d{2}:\\d{2}$`), text);
    assert.equal(await line(page).locator('time').getAttribute('datetime'), body.checkpoint.time);
    findings.push(...(await axeSeriousViolations(page, 'verified through')));

    // "How to check": a popover with the files and the command, closed by Escape.
    await line(page).getByRole('button', { name: 'How to check' }).click();
    const help = page.getByRole('region', { name: 'Check the log yourself' });
    await help.waitFor();
    assert.equal(
      await help.getByRole('link', { name: 'checkpoints.json' }).getAttribute('href'),
      `/api/v1/organizations/${org.id}/audit-log-checkpoints`,
    );
    assert.equal(await help.getByRole('link', { name: 'audit-log-verify.mjs' }).getAttribute('href'), '/downloads/audit-log-verify.mjs');
    assert.match(
      (await help.locator('pre').textContent()) ?? '',
      /--stream events\.ndjson --checkpoints checkpoints\.json --public-key archive-key\.pem/,
    );
    findings.push(...(await axeSeriousViolations(page, 'how to check')));
    await page.keyboard.press('Escape');
    await help.waitFor({ state: 'hidden' });

    // The instance tab shares the header: the same line, the organization's chain.
    await page.goto(`${harness.baseUrl}/orgs/${org.id}/instances/${org.instanceId}/audit-logs`);
    await line(page).getByText(`Verified through sequence ${sequence}`).waitFor();
  });

  it('asks once per organization view, not on a filter change', async () => {
    const page = await pageFor(org.ownerKey);
    const asked: string[] = [];
    page.on('request', (request) => {
      if (request.url().includes('/audit-log-checkpoints')) asked.push(request.url());
    });
    await page.goto(auditUrl('', org.id));
    await settled(page);
    await line(page).getByText(`Verified through sequence ${sequence}`).waitFor();
    // Two filter changes in the page: each re-runs the list's load, not the line's request.
    for (const range of ['30d', '24h']) {
      await page.getByLabel('Time range').selectOption(range);
      await page.waitForURL((url) => url.searchParams.get('range') === range);
      await settled(page);
    }
    await page.waitForTimeout(300);
    await line(page).getByText(`Verified through sequence ${sequence}`).waitFor();
    assert.equal(asked.length, 1, asked.join('\n'));
    assert.match(asked[0] ?? '', /\?latest=true$/);
  });

  it('shows a member no line, and never asks for checkpoints', async () => {
    const page = await pageFor(org.memberKey);
    const asked: string[] = [];
    page.on('request', (request) => {
      if (request.url().includes('/audit-log-checkpoints')) asked.push(request.url());
    });
    await page.goto(auditUrl('', org.id));
    await page.getByRole('heading', { name: 'Access denied' }).waitFor();
    assert.equal(await line(page).count(), 0);
    assert.deepEqual(asked, []);
    const refused = await api(`/api/v1/organizations/${org.id}/audit-log-checkpoints?latest=true`, { key: org.memberKey });
    assert.equal(refused.status, 403);
    findings.push(...(await axeSeriousViolations(page, 'member: access denied')));
  });
});
