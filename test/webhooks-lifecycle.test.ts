import { describe, expect, it } from 'vitest';
import type { AuditEvent, AuditLogPage, DeliveryHistory, WebhookBody } from '../worker/contract/index.ts';
import { call, createOrg, expectProblem, json, type TestOrg } from './helpers/api.ts';
import { makeEvent } from './helpers/events.ts';
import {
  createWebhook,
  delivery,
  eventually,
  history,
  hook,
  ingest,
  received,
  receivedEvents,
  settledHistory,
  webhookPath,
} from './helpers/webhooks.ts';

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

async function put(org: TestOrg, configId: string, body: unknown) {
  return json(await call(`${webhookPath(org)}/${configId}`, { method: 'PUT', token: org.ownerKey, body }), 200);
}

async function pingOf(org: TestOrg, configId: string): Promise<DeliveryHistory> {
  return (
    await json<{ history: DeliveryHistory }>(
      await call(`${webhookPath(org)}/${configId}/ping`, { method: 'POST', token: org.ownerKey }),
      200,
    )
  ).history;
}

describe('ping', () => {
  it('delivers a signed WEBHOOK_EVENT_TYPE_PING at once and answers with its recorded delivery', async () => {
    const org = await createOrg('wh-ping', { shard: 'SHARD_1' });
    const receiver = await hook();
    const config = await createWebhook(org, { url: receiver.url, secret: receiver.secret, filter: { events: [] } });
    const ping = await pingOf(org, config.id);
    expect(ping).toMatchObject({
      eventType: 'WEBHOOK_EVENT_TYPE_PING',
      deliveryStatus: 'NOTIFICATION_DELIVERY_STATUS_SUCCESS',
      retryCount: 0,
      redelivered: false,
      sequence: null,
      webhook: { statusCode: 200, response: '{"ok":true}', error: '' },
    });
    expect(ping.attempts).toHaveLength(1);
    const [request] = await received(receiver.name);
    expect(request?.signatureValid).toBe(true);
    expect(request?.deliveryId).toBe(ping.id);
    expect(request?.eventType).toBe('WEBHOOK_EVENT_TYPE_PING');
    const body = JSON.parse(request?.body ?? '') as WebhookBody;
    expect(body).toEqual({
      eventTime: expect.any(String),
      eventType: 'WEBHOOK_EVENT_TYPE_PING',
      organizationId: org.orgId,
      eventId: ping.eventId,
    });
    expect(ping.webhook.request).toBe(request?.body);
    expect((await history(org, config.id)).history.map((item) => item.id)).toEqual([ping.id]);
  });

  it('a ping that fails is recorded as failed and never retried; an inactive webhook can still be pinged', async () => {
    const org = await createOrg('wh-ping-fail', { shard: 'SHARD_2' });
    const receiver = await hook({ behaviour: { kind: 'status', status: 503 } });
    const config = await createWebhook(org, { url: receiver.url, secret: receiver.secret, filter: { events: [] } });
    await put(org, config.id, { name: config.name, webhook: { url: receiver.url, filter: { events: [] }, active: false } });
    const ping = await pingOf(org, config.id);
    expect(ping).toMatchObject({ deliveryStatus: 'NOTIFICATION_DELIVERY_STATUS_FAILURE', webhook: { statusCode: 503, error: 'HTTP 503' } });
    await sleep(2500);
    expect(await received(receiver.name)).toHaveLength(1);
  });
});

describe('redeliver', () => {
  it('sends the exact body again as a new delivery of the same event, records who did it, and refuses on an inactive webhook', async () => {
    const org = await createOrg('wh-redeliver', { shard: 'SHARD_1' });
    const receiver = await hook();
    const config = await createWebhook(org, { url: receiver.url, secret: receiver.secret });
    const [eventId] = await ingest(org, [makeEvent(1)]);
    const page = await settledHistory(org, config.id, 2);
    const original = page.history.find((item) => item.eventId === eventId);
    if (!original) throw new Error('not delivered');
    const answer = await call(`${webhookPath(org)}/${config.id}/notifications/${original.id}/redeliver`, {
      method: 'POST',
      token: org.ownerKey,
    });
    const again = (await json<{ history: DeliveryHistory }>(answer, 202)).history;
    expect(again).toMatchObject({
      eventId,
      redelivered: true,
      redeliveryOf: original.id,
      deliveryStatus: 'NOTIFICATION_DELIVERY_STATUS_UNSPECIFIED',
      retryCount: 0,
      initialDeliveryTime: null,
    });
    expect(again.id).not.toBe(original.id);
    const requests = await eventually(async () => {
      const log = (await received(receiver.name)).filter((entry) => entry.eventId === eventId);
      return log.length === 2 ? log : undefined;
    });
    expect(requests.map((entry) => entry.deliveryId)).toEqual([original.id, again.id]);
    expect(requests[0]?.body).toBe(requests[1]?.body);
    expect(requests.every((entry) => entry.signatureValid)).toBe(true);
    const done = await eventually(async () => {
      const item = await delivery(org, config.id, again.id);
      return item.deliveryStatus === 'NOTIFICATION_DELIVERY_STATUS_SUCCESS' ? item : undefined;
    });
    expect(done.redelivered).toBe(true);
    const events = await json<AuditLogPage>(
      await call(`/api/v1/organizations/${org.orgId}/audit-logs?filters.action=redeliver`, { token: org.ownerKey }),
      200,
    );
    expect(events.items).toHaveLength(1);
    expect(events.items[0]).toMatchObject({ source: 'platform', object: { type: 'notification_config', id: { name: config.name } } });
    expect(events.items[0]?.details).toMatchObject({ redeliveryOf: original.id, deliveryId: again.id, eventId });

    await put(org, config.id, { name: config.name, webhook: { url: receiver.url, active: false } });
    const refused = await expectProblem(
      await call(`${webhookPath(org)}/${config.id}/notifications/${original.id}/redeliver`, { method: 'POST', token: org.ownerKey }),
      409,
    );
    expect(refused.type).toBe('urn:problem:audit-logs:notification-config-inactive');
  });
});

describe('deactivating, re-activating, deleting, rotating the secret', () => {
  it('an inactive webhook gets nothing; pending deliveries end saying why; re-activation delivers what comes after it', async () => {
    const org = await createOrg('wh-inactive', { shard: 'SHARD_2' });
    const receiver = await hook({ behaviour: { kind: 'status', status: 503 } });
    const config = await createWebhook(org, { url: receiver.url, secret: receiver.secret });
    await eventually(async () => ((await received(receiver.name)).length > 0 ? true : undefined));
    await put(org, config.id, { name: config.name, webhook: { url: receiver.url, active: false } });
    const ended = await settledHistory(org, config.id, 1, 30_000);
    expect(ended.history[0]).toMatchObject({
      deliveryStatus: 'NOTIFICATION_DELIVERY_STATUS_FAILURE',
      webhook: { error: 'not delivered: the webhook was deactivated' },
    });
    const [whileInactive] = await ingest(org, [makeEvent(1)]);
    await hook({ name: receiver.name, secret: receiver.secret, behaviour: { kind: 'ok' } });
    await put(org, config.id, { name: config.name, webhook: { url: receiver.url, active: true } });
    const [afterwards] = await ingest(org, [makeEvent(2)]);
    const log = await receivedEvents(receiver.name, 3);
    const actions = log.map((entry) => (JSON.parse(entry.body) as WebhookBody<AuditEvent>).auditEvent?.action);
    // The creation (failed), the re-activation and the event after it; never the one while inactive.
    expect(actions.slice(-2)).toEqual(['update', 'update']);
    expect(log.map((entry) => entry.eventId)).toContain(afterwards);
    expect(log.map((entry) => entry.eventId)).not.toContain(whileInactive);
  });

  it("a deleted webhook's pending deliveries end without an attempt", async () => {
    const org = await createOrg('wh-deleted', { shard: 'SHARD_1' });
    const receiver = await hook({ behaviour: { kind: 'status', status: 500 } });
    const config = await createWebhook(org, { url: receiver.url, secret: receiver.secret });
    await eventually(async () => ((await received(receiver.name)).length > 0 ? true : undefined));
    const before = (await history(org, config.id)).history[0];
    expect(before?.deliveryStatus).toBe('NOTIFICATION_DELIVERY_STATUS_UNSPECIFIED');
    await call(`${webhookPath(org)}/${config.id}`, { method: 'DELETE', token: org.ownerKey });
    const count = (await received(receiver.name)).length;
    await sleep(4000);
    expect(await received(receiver.name)).toHaveLength(count);
  });

  it('signs with the new secret once it is rotated', async () => {
    const org = await createOrg('wh-rotate', { shard: 'SHARD_2' });
    const receiver = await hook();
    const config = await createWebhook(org, { url: receiver.url, secret: receiver.secret });
    await receivedEvents(receiver.name, 1);
    const rotated = `${receiver.secret}-rotated`;
    await hook({ name: receiver.name, secret: rotated, behaviour: { kind: 'ok' } });
    await put(org, config.id, { name: config.name, webhook: { url: receiver.url, secret: rotated } });
    await ingest(org, [makeEvent(1)]);
    const log = await receivedEvents(receiver.name, 3);
    expect(log.slice(1).every((entry) => entry.signatureValid)).toBe(true);
    expect(log[0]?.signatureValid).toBe(true);
  });
});
