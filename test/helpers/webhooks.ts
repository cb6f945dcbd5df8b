import { env } from 'cloudflare:workers';
import { expect } from 'vitest';
import type { HookSetup, ReceivedRequest } from '../../scripts/lib/webhook-receiver.ts';
import type { DeliveryHistory, DeliveryHistoryList, NotificationConfig, WebhookFilter } from '../../worker/contract/index.ts';
import { call, json, type TestOrg, unique } from './api.ts';

export type { ReceivedRequest };

/** Sets up a hook on the local receiver (test/setup/webhook-receiver.ts) and returns its URL. */
export async function hook(setup: Partial<HookSetup> & { name?: string } = {}): Promise<{ name: string; url: string; secret: string }> {
  const name = setup.name ?? unique('hook');
  const secret = setup.secret ?? `secret-${unique('s')}-0123456789`;
  const response = await fetch(`${env.WEBHOOK_RECEIVER}/_control/${name}`, {
    method: 'PUT',
    body: JSON.stringify({ secret, behaviour: setup.behaviour ?? { kind: 'ok' } }),
  });
  expect(response.status).toBe(200);
  await response.body?.cancel();
  return { name, url: `${env.WEBHOOK_RECEIVER}/hooks/${name}`, secret };
}

/** Everything the receiver got on a hook, in arrival order. */
export async function received(name: string): Promise<ReceivedRequest[]> {
  return (await fetch(`${env.WEBHOOK_RECEIVER}/_control/${name}`)).json();
}

const configsPath = (org: TestOrg) => `/api/v1/orgs/${org.orgId}/notification-configs`;

export async function createWebhook(
  org: TestOrg,
  webhook: { url: string; secret: string; filter?: Partial<WebhookFilter> },
  name = unique('webhook'),
): Promise<NotificationConfig> {
  const answer = await json<{ notificationConfig: NotificationConfig }>(
    await call(configsPath(org), { method: 'POST', token: org.ownerKey, body: { name, webhook } }),
    201,
  );
  return answer.notificationConfig;
}

export async function history(org: TestOrg, configId: string, query = 'limit=100'): Promise<DeliveryHistoryList> {
  return json(await call(`${configsPath(org)}/${configId}/delivery-history?${query}`, { token: org.ownerKey }), 200);
}

export async function delivery(org: TestOrg, configId: string, deliveryId: string): Promise<DeliveryHistory> {
  return (
    await json<{ history: DeliveryHistory }>(
      await call(`${configsPath(org)}/${configId}/delivery-history/${deliveryId}`, { token: org.ownerKey }),
      200,
    )
  ).history;
}

export const webhookPath = configsPath;

/** Polls until `check` returns a value (not undefined), or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 20_000, what = 'condition'): Promise<T> {
  const started = Date.now();
  let last: T | undefined;
  while (Date.now() - started < timeoutMs) {
    last = await check();
    if (last !== undefined) return last;
    await new Promise((done) => setTimeout(done, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** Stores events through the ingest API (answers 201). */
export async function ingest(org: TestOrg, items: unknown[]): Promise<string[]> {
  const answer = await json<{ ids: string[] }>(
    await call(`/api/v1/organizations/${org.orgId}/audit-logs`, { method: 'POST', token: org.ownerKey, body: { items } }),
    201,
  );
  return answer.ids;
}

/** Waits until the hook has received requests for at least `count` distinct event ids. */
export async function receivedEvents(name: string, count: number, timeoutMs = 30_000): Promise<ReceivedRequest[]> {
  return eventually(
    async () => {
      const log = await received(name);
      return new Set(log.map((entry) => entry.eventId)).size >= count ? log : undefined;
    },
    timeoutMs,
    `${count} events on hook ${name}`,
  );
}

/** Waits until no delivery of the config is pending and returns the history. */
export async function settledHistory(org: TestOrg, configId: string, count: number, timeoutMs = 30_000): Promise<DeliveryHistoryList> {
  return eventually(
    async () => {
      const page = await history(org, configId);
      const done = page.history.filter((item) => item.deliveryStatus !== 'NOTIFICATION_DELIVERY_STATUS_UNSPECIFIED');
      return page.totalHistoryCount >= count && done.length === page.history.length ? page : undefined;
    },
    timeoutMs,
    `${count} settled deliveries of ${configId}`,
  );
}
