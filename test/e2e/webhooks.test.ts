/**
 * Webhooks end to end: the real Worker (wrangler dev, started and seeded like `npm start`, see
 * support/seed.ts) delivering to real HTTP receivers in this process, which check every signature
 * with node:crypto (scripts/lib/webhook-receiver.ts); then the Webhooks page in Chromium.
 *
 * Run: `npm run test:e2e`, or `node --test test/e2e/webhooks.test.ts` (after `npm run build:web`).
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, it } from 'node:test';
import { ApiClient } from '../../scripts/lib/api-client.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../../scripts/lib/webhook-receiver.ts';
import type { DeliveryHistoryList, NotificationConfig, StreamPage } from '../../worker/contract/index.ts';
import { browserSuite, signedInPage } from './support/browser.ts';
import { type Harness, sharedHarness } from './support/harness.ts';
import { type AxeFinding, axeSeriousViolations } from './support/page-checks.ts';

const EVENTS = 10_000;
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

async function eventually<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** A port nothing listens on: a receiver that is down. */
function closedPort(): Promise<number> {
  return new Promise((done) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => done(typeof address === 'object' && address ? address.port : 9));
    });
  });
}

function event(index: number, prefix: string) {
  return {
    id: `${prefix}-${String(index).padStart(6, '0')}`,
    instanceId: null,
    timestamp: new Date(Date.now() - 60_000 - index).toISOString(),
    action: 'sync',
    actor: { type: 'service', id: 'argocd-application-controller' },
    object: { type: 'argocd_application', id: { name: `app-${index % 97}` } },
    details: { message: `Synced ${prefix} ${index}` },
  };
}

browserSuite('webhooks end to end', () => {
  let harness: Harness;
  let receiver: WebhookReceiver;

  const owner = (index: number) => {
    const org = harness.seed.orgs[index];
    if (!org) throw new Error(`no seeded organization ${index}`);
    return { org, api: new ApiClient(harness.baseUrl, org.apiKey) };
  };

  async function createWebhook(api: ApiClient, orgId: string, name: string, url: string, secret: string): Promise<NotificationConfig> {
    const { body } = await api.post<{ notificationConfig: NotificationConfig }>(`/api/v1/orgs/${orgId}/notification-configs`, {
      name,
      webhook: { url, secret },
    });
    return body.notificationConfig;
  }

  /** Every event of the organization, through the stream API (ascending sequence). */
  async function stream(api: ApiClient, orgId: string): Promise<StreamPage['items']> {
    const items: StreamPage['items'] = [];
    for (let after = 0; ; ) {
      const page = await api.get<StreamPage>(`/api/v1/organizations/${orgId}/audit-log-stream?afterSequence=${after}&limit=1000`);
      items.push(...page.items);
      if (!page.hasMore) return items;
      after = page.lastSequence;
    }
  }

  before(async () => {
    harness = await sharedHarness();
    receiver = await startWebhookReceiver();
  });

  after(async () => {
    await receiver?.stop();
  });

  it(`delivers every event of a ${EVENTS.toLocaleString('en')}-event ingest exactly once after deduplication, signed, while another webhook's receiver is down`, async () => {
    const { org, api } = owner(2);
    receiver.setHook('siem', { secret: 'siem-secret-0123456789abcdef', behaviour: { kind: 'ok' } });
    await createWebhook(api, org.id, 'SIEM', receiver.urlOf('siem'), 'siem-secret-0123456789abcdef');
    const down = await createWebhook(api, org.id, 'Down', `http://127.0.0.1:${await closedPort()}/hook`, 'down-secret-0123456789abcdef');
    const started = Date.now();
    for (let start = 0; start < EVENTS; start += 1000) {
      await api.post(`/api/v1/organizations/${org.id}/audit-logs`, {
        items: Array.from({ length: 1000 }, (_, index) => event(start + index, 'bulk')),
      });
    }
    const ingested = Date.now();
    // Everything recorded since the SIEM webhook exists: its own creation, the second webhook's, the ingest.
    const events = await stream(api, org.id);
    const creation = events.find((item) => item.object.type === 'notification_config' && item.object.id.name === 'SIEM');
    assert.ok(creation, "the SIEM webhook's creation is an event");
    const expected = new Set(events.filter((item) => item.sequence >= creation.sequence).map((item) => item.id));
    assert.equal(expected.size, EVENTS + 2);

    await eventually(`${expected.size} events at the SIEM receiver`, 5 * 60_000, () => {
      const ids = new Set(receiver.received('siem').map((entry) => entry.eventId));
      return ids.size >= expected.size ? true : undefined;
    });
    const delivered = Date.now();
    await sleep(2000);
    const log = receiver.received('siem');
    const ids = log.map((entry) => entry.eventId);
    assert.deepEqual(new Set(ids), expected, 'exactly the events recorded since the webhook exists');
    assert.equal(log.filter((entry) => !entry.signatureValid).length, 0, 'every signature verifies with node:crypto');
    for (const entry of log) assert.equal((JSON.parse(entry.body) as { auditEvent: { id: string } }).auditEvent.id, entry.eventId);
    console.log(
      `[e2e] ${EVENTS} events ingested in ${ingested - started} ms; all delivered ${delivered - ingested} ms after the last commit; ${log.length - expected.size} duplicates before deduplication`,
    );

    // The receiver that is down: failing, its deliveries pending, retried (not dropped).
    const failing = (await api.get<{ notificationConfig: NotificationConfig }>(`/api/v1/orgs/${org.id}/notification-configs/${down.id}`))
      .notificationConfig;
    assert.notEqual(failing.failingSince, null);
    const downHistory = await api.get<DeliveryHistoryList>(
      `/api/v1/orgs/${org.id}/notification-configs/${down.id}/delivery-history?limit=100`,
    );
    assert.equal(downHistory.totalHistoryCount, EVENTS + 1);
    assert.ok(downHistory.history.every((item) => item.deliveryStatus === 'NOTIFICATION_DELIVERY_STATUS_UNSPECIFIED'));
    // It stops here: deleting it ends its deliveries without further attempts.
    await api.request('DELETE', `/api/v1/orgs/${org.id}/notification-configs/${down.id}`);
  });

  it('a receiver that fails twice before succeeding gets every event, each on its third attempt, signed', async () => {
    const { org, api } = owner(1);
    const secret = 'flaky-secret-0123456789abcdef';
    receiver.setHook('flaky', { secret, behaviour: { kind: 'fail-first', times: 2 } });
    const flaky = await createWebhook(api, org.id, 'Flaky', receiver.urlOf('flaky'), secret);
    const { body } = await api.post<{ ids: string[] }>(`/api/v1/organizations/${org.id}/audit-logs`, {
      items: Array.from({ length: 20 }, (_, index) => event(index, 'flaky')),
    });
    const expected = new Set([...body.ids]);
    const page = await eventually('every flaky delivery to succeed', 3 * 60_000, async () => {
      const history = await api.get<DeliveryHistoryList>(
        `/api/v1/orgs/${org.id}/notification-configs/${flaky.id}/delivery-history?limit=100`,
      );
      const done = history.history.every((item) => item.deliveryStatus === 'NOTIFICATION_DELIVERY_STATUS_SUCCESS');
      return history.totalHistoryCount === expected.size + 1 && done ? history : undefined;
    });
    assert.ok(page.history.every((item) => item.retryCount === 2));
    const log = receiver.received('flaky');
    const answered = log.filter((entry) => entry.answered === 200);
    for (const id of expected) {
      assert.equal(log.filter((entry) => entry.eventId === id).length, 3, `${id}: two failures and a success`);
    }
    assert.equal(answered.length, expected.size + 1, 'one success per event');
    assert.ok(log.every((entry) => entry.signatureValid));
  });

  it('the Webhooks page: create a webhook, ping it, see the history with the response, redeliver', async () => {
    const { org } = owner(0);
    const { context, page, problems } = await signedInPage(org.apiKey);
    await page.waitForURL(/\/audit-logs$/);
    await page.getByRole('navigation', { name: 'Organization sections' }).getByRole('link', { name: 'Webhooks', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Webhooks' }).waitFor();
    await page.getByText('No webhooks').waitFor();
    const findings: AxeFinding[] = [...(await axeSeriousViolations(page, 'webhooks: empty list'))];

    await page.getByRole('button', { name: 'New webhook' }).click();
    await page.getByLabel('Name').fill('Browser SIEM');
    // A refused URL first: the reason shows next to the field.
    await page.getByLabel('Payload URL').fill('https://10.0.0.1/hook');
    await page.getByRole('button', { name: 'Generate' }).click();
    const secret = await page.getByLabel('Secret').inputValue();
    assert.ok(secret.length >= 16);
    await page.getByRole('button', { name: 'Create webhook' }).click();
    await page.getByText('10.0.0.1 is a private address').first().waitFor();
    assert.equal(await page.getByLabel('Payload URL').getAttribute('aria-invalid'), 'true');
    findings.push(...(await axeSeriousViolations(page, 'webhooks: form with a refused URL')));

    receiver.setHook('browser', { secret, behaviour: { kind: 'ok' } });
    await page.getByLabel('Payload URL').fill(receiver.urlOf('browser'));
    await page.getByRole('button', { name: 'Create webhook' }).click();
    await page.getByRole('heading', { level: 1, name: 'Browser SIEM' }).waitFor();

    await page.getByRole('button', { name: 'Send ping' }).click();
    await page.getByText('Ping delivered: HTTP 200.').waitFor();
    const ping = receiver.received('browser').find((entry) => entry.eventType === 'WEBHOOK_EVENT_TYPE_PING');
    assert.ok(ping?.signatureValid, 'the ping is signed with the generated secret');

    // The creation event and the ping are in the history; the ping opens to its attempt and response.
    const pingRow = page.locator('details.delivery', { hasText: 'Ping' });
    await pingRow.locator('summary').click();
    await pingRow.getByText('#1').waitFor();
    await pingRow.getByText('{"ok":true}').waitFor();
    assert.match((await pingRow.getByLabel('Request body').textContent()) ?? '', /WEBHOOK_EVENT_TYPE_PING/);
    findings.push(...(await axeSeriousViolations(page, 'webhook: ping delivered, its delivery open')));

    const created = page.locator('details.delivery', { hasText: 'Audit event' }).first();
    await eventually('the creation event delivered', 30_000, async () => {
      await page.getByRole('button', { name: 'Refresh' }).click();
      return (await created.locator('.status--ok').count()) > 0 ? true : undefined;
    });
    await created.locator('summary').click();
    await created.getByRole('button', { name: 'Redeliver' }).click();
    await page
      .getByText(/Queued again as delivery dlv_/)
      .first()
      .waitFor();
    const eventId = (await created.locator('.delivery__id').textContent()) ?? '';
    await eventually('the redelivery', 30_000, () =>
      receiver.received('browser').filter((entry) => entry.eventId === eventId).length === 2 ? true : undefined,
    );

    // Keyboard: the delivery rows open with Enter.
    await page.locator('details.delivery summary').first().focus();
    await page.keyboard.press('Enter');
    assert.equal(
      await page
        .locator('details.delivery')
        .first()
        .evaluate((element) => (element as HTMLDetailsElement).open),
      true,
    );
    assert.deepEqual(findings, [], 'no serious or critical accessibility violations');
    assert.deepEqual(problems, []);
    await context.close();
  });
});
