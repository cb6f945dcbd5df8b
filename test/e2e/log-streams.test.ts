/**
 * The Log streams page end to end: the real Worker (wrangler dev, support/harness.ts) sending a
 * stream's test batch to a real HTTP receiver in this process, which checks the batch's
 * signature with node:crypto (scripts/lib/webhook-receiver.ts); driven in Chromium as an owner
 * would, by mouse and by keyboard, with axe-core on the list, the form with its problems and the
 * detail page. Then a member: no tab, and a plain refusal at the page's address.
 *
 * Run: `npm run test:e2e`, or `node --test test/e2e/log-streams.test.ts` (after `npm run build:web`).
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { Page } from 'playwright-core';
import { ApiClient } from '../../scripts/lib/api-client.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../../scripts/lib/webhook-receiver.ts';
import { browserSuite, signedInPage } from './support/browser.ts';
import { type Harness, sharedHarness } from './support/harness.ts';
import { type AxeFinding, axeSeriousViolations } from './support/page-checks.ts';

const sections = (page: Page) => page.getByRole('navigation', { name: 'Organization sections' });

/** Tabs forward until `name` has focus (at most 60 stops): the page is reachable by keyboard. */
async function tabTo(page: Page, name: string): Promise<void> {
  for (let stop = 0; stop < 60; stop += 1) {
    await page.keyboard.press('Tab');
    const label = await page.evaluate(() => {
      const element = document.activeElement as HTMLElement | null;
      return element?.getAttribute('aria-label') ?? element?.textContent?.trim() ?? '';
    });
    if (label === name) return;
  }
  throw new Error(`${name} cannot be reached with Tab`);
}

browserSuite('log streams page', () => {
  let harness: Harness;
  let receiver: WebhookReceiver;

  before(async () => {
    harness = await sharedHarness();
    receiver = await startWebhookReceiver();
  });

  after(async () => {
    await receiver?.stop();
  });

  it('an owner creates an https stream (after a refused bucket), tests it, reads the history, edits it keeping the secret, switches it off and on, deletes it', async () => {
    const org = harness.seed.orgs[1];
    assert.ok(org, 'the seeded Globex');
    const { context, page, problems } = await signedInPage(org.apiKey);
    await page.waitForURL(/\/audit-logs$/);
    await sections(page).getByRole('link', { name: 'Log streams', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Log streams' }).waitFor();
    await page.getByText('No log streams').waitFor();
    const findings: AxeFinding[] = [...(await axeSeriousViolations(page, 'log streams: empty list'))];

    // Keyboard: the empty state's button opens the form on its first field; Cancel gives focus back.
    await tabTo(page, 'New log stream');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 2, name: 'New log stream' }).waitFor();
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'stream-new-name');
    await tabTo(page, 'Cancel');
    await page.keyboard.press('Enter');
    await page.getByText('No log streams').waitFor();
    assert.equal(await page.evaluate(() => document.activeElement?.textContent?.trim()), 'New log stream');
    await page.keyboard.press('Enter');

    // A bucket the contract refuses: the reason in words next to the field, and in the alert.
    await page.getByLabel('Name').fill('Browser SIEM');
    await page.getByLabel('Destination').selectOption('s3');
    await page.getByLabel('Endpoint').fill(receiver.baseUrl);
    await page.getByLabel('Bucket').fill('Not_A_Bucket');
    await page.getByLabel('Access key ID').fill('AKIAEXAMPLE');
    await page.getByLabel('Secret access key').fill('not-a-real-secret');
    await page.getByRole('button', { name: 'Create log stream' }).click();
    const bucketProblem = 'Bucket must be an S3 bucket name (3–63 lowercase letters, digits, . and -).';
    assert.equal(await page.locator('#stream-new-bucket-error').textContent({ timeout: 10_000 }), bucketProblem);
    assert.equal(await page.getByLabel('Bucket').getAttribute('aria-invalid'), 'true');
    assert.match((await page.getByRole('alert').textContent()) ?? '', /Check the fields marked below/);
    // Focus moves to the first field marked (the alert above the form lists every problem).
    await page.waitForFunction(() => document.activeElement?.id === 'stream-new-bucket');
    findings.push(...(await axeSeriousViolations(page, 'log streams: form with a refused bucket')));

    // Now an https stream to the local receiver, with a generated secret and an extra header.
    await page.getByLabel('Destination').selectOption('https');
    await page.getByLabel('URL', { exact: true }).fill(receiver.urlOf('stream'));
    await page.getByRole('button', { name: 'Generate' }).click();
    const secret = await page.getByLabel('Signing secret').inputValue();
    assert.ok(secret.length >= 16);
    receiver.setHook('stream', { secret, behaviour: { kind: 'ok' } });
    await page.getByLabel('Extra headers').fill('X-Team: security');
    await page.getByRole('button', { name: 'Create log stream' }).click();
    await page.getByRole('heading', { level: 1, name: 'Browser SIEM' }).waitFor();
    const streamId = /\/log-streams\/([^/?#]+)/.exec(page.url())?.[1] ?? '';
    const api = new ApiClient(harness.baseUrl, org.apiKey);
    const streamPath = `/api/v1/organizations/${org.id}/audit-log-streams/${streamId}`;
    // The engine delivers from the stream's creation on: its own creation event is the first batch.
    const caughtUp = async () => {
      for (let tries = 0; tries < 100; tries += 1) {
        const { stream } = await api.get<{ stream: { lagEvents: number; state: string } }>(streamPath);
        if (stream.lagEvents === 0 && stream.state === 'active') return;
        await new Promise((done) => setTimeout(done, 100));
      }
      assert.fail('the stream did not catch up within 10 s');
    };
    await caughtUp();
    const engineBatches = () =>
      receiver
        .received('stream')
        .filter((entry) => entry.eventType === 'AUDIT_LOG_STREAM_BATCH' && entry.headers['x-audit-first-sequence'] !== '0');
    assert.ok(engineBatches().length >= 1, 'the creation event was delivered');
    assert.ok(engineBatches().every((entry) => entry.signatureValid));
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page.locator('details.delivery', { hasText: 'Delivered' }).first().waitFor();

    await page.getByRole('button', { name: 'Send test batch' }).click();
    await page.getByText('Test batch delivered: HTTP 200').waitFor();
    assert.equal(await page.getByLabel('The destination answered:').textContent(), '{"ok":true}');
    // Test batches carry sequence 0, which no stored event has.
    const batches = () =>
      receiver
        .received('stream')
        .filter((entry) => entry.eventType === 'AUDIT_LOG_STREAM_BATCH' && entry.headers['x-audit-first-sequence'] === '0');
    assert.equal(batches().length, 1);
    assert.ok(batches()[0]?.signatureValid, 'signed with the generated secret');
    assert.equal(batches()[0]?.headers['x-team'], 'security');

    // The test batch is in the history; its row opens with Enter to the destination's answer.
    const row = page.locator('details.delivery', { hasText: 'Test batch' });
    await row.waitFor();
    assert.match((await row.locator('summary').textContent()) ?? '', /Delivered.*Test event \(sequence 0\).*1 event.*HTTP 200/s);
    await row.locator('summary').focus();
    await page.keyboard.press('Enter');
    await row.getByLabel("Destination's answer").waitFor();
    findings.push(...(await axeSeriousViolations(page, 'log stream: test delivered, its delivery open')));

    // Edit: the secret is write-only ("set — leave blank to keep"); a new name, the secret kept.
    await page.getByRole('button', { name: 'Edit' }).click();
    const secretField = page.getByLabel('Signing secret');
    assert.equal(await secretField.inputValue(), '');
    assert.equal(await secretField.getAttribute('placeholder'), 'Set — leave blank to keep');
    await page.getByText(/^Set — leave blank to keep it\./).waitFor();
    assert.equal(await page.getByLabel('Extra headers').inputValue(), 'x-team: security', 'as stored: names in lower case');
    await page.getByLabel('Name').fill('Browser SIEM 2');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('heading', { level: 1, name: 'Browser SIEM 2' }).waitFor();
    await page.getByRole('button', { name: 'Send test batch' }).click();
    await page.getByText('Test batch delivered: HTTP 200').waitFor();
    assert.equal(batches().length, 2);
    assert.ok(batches()[1]?.signatureValid, 'still signed with the first secret: an empty field kept it');
    await page.locator('details.delivery', { hasText: 'Test batch' }).nth(1).waitFor();
    // The rename's own event goes out too, before the destination starts refusing below.
    await caughtUp();

    // A refusal is said as one, with the destination's answer.
    receiver.setHook('stream', { secret, behaviour: { kind: 'status', status: 401 } });
    await page.getByRole('button', { name: 'Send test batch' }).click();
    await page.getByText(/^Test batch failed: HTTP 401 in \d+ ms\.$/).waitFor();
    assert.equal(await page.getByLabel('The destination answered:').textContent(), 'status 401');
    await page.locator('details.delivery').first().getByText('Failed').waitFor();
    receiver.setHook('stream', { secret, behaviour: { kind: 'ok' } });

    // The history is paginated, newest first: 20 more tests through the API, then "Load more".
    for (let index = 0; index < 20; index += 1) await api.request('POST', `${streamPath}/test`);
    await caughtUp();
    const { totalCount } = await api.get<{ totalCount: number }>(`${streamPath}/deliveries?limit=1`);
    assert.ok(totalCount >= 24 && totalCount <= 40, `23 tests and the engine's batches (${totalCount})`);
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page.getByRole('heading', { name: `Deliveries (${totalCount})` }).waitFor();
    const rows = page.locator('details.delivery');
    assert.equal(await rows.count(), 20);
    await page.getByRole('button', { name: 'Load more' }).click();
    await page.getByRole('button', { name: 'Load more' }).waitFor({ state: 'detached' });
    assert.equal(await rows.count(), totalCount);
    const times = await rows.locator('time').evaluateAll((elements) => elements.map((element) => element.getAttribute('datetime') ?? ''));
    assert.deepEqual(times, [...times].sort().reverse(), 'newest first');
    assert.match((await rows.last().locator('summary').textContent()) ?? '', /Delivered/, "the oldest: the creation event's batch");

    // The list: name, destination, format, state, lag, checkpoint, and the active switch by keyboard.
    await page.getByRole('navigation', { name: 'Breadcrumb' }).getByRole('link', { name: 'Log streams' }).click();
    const listRow = page.getByRole('row', { name: /Browser SIEM 2/ });
    await listRow.waitFor();
    const cells = await listRow.getByRole('cell').allTextContents();
    assert.deepEqual(
      cells.slice(0, 4).map((cell) => cell.trim()),
      ['Browser SIEM 2', 'HTTPS endpoint', 'Native', 'Active'],
    );
    assert.match(cells[4] ?? '', /^(Up to date|[\d,]+ events? behind)$/);
    assert.match(cells[5]?.trim() ?? '', /^Sequence [\d,]+$/, 'the checkpoint: a sequence');
    findings.push(...(await axeSeriousViolations(page, 'log streams: list')));
    const toggle = listRow.getByRole('switch', { name: 'Browser SIEM 2 active' });
    await toggle.focus();
    await page.keyboard.press('Space');
    await page.getByText('Browser SIEM 2 switched off: nothing is sent.').waitFor();
    await listRow.getByText('Inactive').waitFor();
    assert.equal(await toggle.isChecked(), false);
    await toggle.focus();
    await page.keyboard.press('Space');
    await page.getByText('Browser SIEM 2 switched on: events are sent again.').waitFor();
    await listRow.getByText('Active', { exact: true }).waitFor();

    // Delete, confirmed in a dialog that opens on its safe choice.
    await listRow.getByRole('link', { name: 'Browser SIEM 2' }).click();
    await page.getByRole('button', { name: 'Delete' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete the log stream Browser SIEM 2?' });
    await dialog.waitFor();
    assert.equal(await page.evaluate(() => document.activeElement?.textContent?.trim()), 'Cancel');
    findings.push(...(await axeSeriousViolations(page, 'log stream: delete dialog')));
    await dialog.getByRole('button', { name: 'Delete log stream' }).click();
    await page.getByRole('heading', { level: 1, name: 'Log streams' }).waitFor();
    await page.getByText('No log streams').waitFor();

    assert.deepEqual(findings, [], 'no serious or critical accessibility violations');
    assert.deepEqual(problems, []);
    await context.close();
  });

  it('a member sees no Log streams tab, and the page says it is for owners', async () => {
    const { context, page, problems } = await signedInPage(harness.seed.memberApiKey);
    const orgId = /\/orgs\/([^/]+)\//.exec(page.url())?.[1];
    assert.ok(orgId, `signed in on an organization page (${page.url()})`);
    await sections(page).getByRole('link', { name: 'Audit Logs', exact: true }).waitFor();
    assert.equal(await sections(page).getByRole('link', { name: 'Log streams' }).count(), 0);
    assert.equal(await sections(page).getByRole('link', { name: 'Webhooks' }).count(), 0);
    await page.goto(`${harness.baseUrl}/orgs/${orgId}/log-streams`);
    await page.getByText('Log streams are for owners').waitFor();
    assert.deepEqual(await axeSeriousViolations(page, 'log streams: member'), []);
    assert.deepEqual(problems, []);
    await context.close();
  });
});
