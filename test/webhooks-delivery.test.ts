import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { AuditEvent, StreamPage, WebhookBody } from '../worker/contract/index.ts';
import { database } from '../worker/db/client.ts';
import { eventUlid } from '../worker/db/ids.ts';
import { shardDatabases } from '../worker/db/shards.ts';
import type { WebhookDeliveryJob } from '../worker/env.ts';
import worker from '../worker/index.ts';
import { runWebhookDailyJobs } from '../worker/jobs/webhook-daily.ts';
import { dispatchOrganization } from '../worker/services/webhooks/dispatch.ts';
import { webhookDeps } from '../worker/services/webhooks/queues.ts';
import { call, createInstance, createOrg, json, type TestOrg } from './helpers/api.ts';
import { makeEvent } from './helpers/events.ts';
import { eventsD1 } from './helpers/shards.ts';
import { createWebhook, eventually, history, hook, ingest, received, receivedEvents, settledHistory } from './helpers/webhooks.ts';

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));
const deps = () => webhookDeps(env, database(env.DB));

async function stream(org: TestOrg): Promise<AuditEvent[]> {
  return (
    await json<StreamPage>(await call(`/api/v1/organizations/${org.orgId}/audit-log-stream?limit=1000`, { token: org.ownerKey }), 200)
  ).items;
}

const bodyOf = (text: string) => JSON.parse(text) as WebhookBody<AuditEvent>;

describe('webhook fan-out', () => {
  it('delivers every event recorded after the webhook exists exactly once, signed, in the API shape', async () => {
    const org = await createOrg('wh-once', { shard: 'SHARD_1' });
    await ingest(org, [makeEvent(0)]);
    const receiver = await hook();
    const config = await createWebhook(org, { url: receiver.url, secret: receiver.secret });
    await ingest(
      org,
      Array.from({ length: 60 }, (_, index) => makeEvent(index + 1)),
    );
    await ingest(org, [makeEvent(99)]);
    const all = await stream(org);
    const creation = all.find((event) => event.object.type === 'notification_config');
    const expected = all.filter((event) => event.sequence >= (creation?.sequence ?? Infinity));
    expect(expected).toHaveLength(62);

    const log = await receivedEvents(receiver.name, expected.length);
    await sleep(1500);
    const settled = await received(receiver.name);
    expect(settled).toHaveLength(expected.length);
    expect(settled.every((entry) => entry.signatureValid)).toBe(true);
    const byId = new Map(expected.map((event) => [event.id, event]));
    for (const entry of log) {
      const body = bodyOf(entry.body);
      expect(entry.headers['content-type']).toBe('application/json');
      expect(entry.eventType).toBe('WEBHOOK_EVENT_TYPE_AUDIT');
      expect(body).toEqual({
        eventTime: byId.get(entry.eventId)?.timestamp,
        eventType: 'WEBHOOK_EVENT_TYPE_AUDIT',
        organizationId: org.orgId,
        eventId: entry.eventId,
        auditEvent: byId.get(entry.eventId),
      });
    }
    const page = await settledHistory(org, config.id, expected.length);
    expect(page.totalHistoryCount).toBe(expected.length);
    expect(new Set(page.history.map((item) => item.id))).toEqual(new Set(settled.map((entry) => entry.deliveryId)));
    expect(page.history.every((item) => item.deliveryStatus === 'NOTIFICATION_DELIVERY_STATUS_SUCCESS' && item.retryCount === 0)).toBe(
      true,
    );
    // Newest first, and the sequence of each delivered event is shown.
    expect(page.history.map((item) => item.sequence)).toEqual(expected.map((event) => event.sequence).reverse());
    const listed = await json<{ notificationConfigs: { lastDelivery?: { deliveryStatus: string; statusCode: number } }[] }>(
      await call(`/api/v1/orgs/${org.orgId}/notification-configs`, { token: org.ownerKey }),
      200,
    );
    expect(listed.notificationConfigs[0]?.lastDelivery).toMatchObject({
      deliveryStatus: 'NOTIFICATION_DELIVERY_STATUS_SUCCESS',
      statusCode: 200,
    });
  });

  it('applies the instance filters to events of their product only, and events [] delivers no audit events', async () => {
    const org = await createOrg('wh-filter', { shard: 'SHARD_2' });
    const prod = await createInstance(org, 'argocd', 'prod');
    const dev = await createInstance(org, 'argocd', 'dev');
    const kargo = await createInstance(org, 'kargo', 'k1');
    const onlyProd = await hook();
    const noKargo = await hook();
    const nothing = await hook();
    await createWebhook(org, {
      url: onlyProd.url,
      secret: onlyProd.secret,
      filter: { filterArgocdInstanceNames: true, argocdInstanceNames: ['prod'] },
    });
    await createWebhook(org, {
      url: noKargo.url,
      secret: noKargo.secret,
      filter: { filterKargoInstanceNames: true, kargoInstanceNames: [] },
    });
    await createWebhook(org, { url: nothing.url, secret: nothing.secret, filter: { events: [] } });
    const [toProd, toDev, toKargo, orgLevel] = await ingest(org, [
      makeEvent(1, { instanceId: prod.id }),
      makeEvent(2, { instanceId: dev.id }),
      makeEvent(3, { instanceId: kargo.id, object: { type: 'kargo_promotion', id: { name: 'p1' } } }),
      makeEvent(4, { instanceId: null, object: { type: 'member', id: { name: 'bob@example.com' } } }),
    ]);
    // Each receiver also gets the creation events of the webhooks created after its own (organization-level).
    await receivedEvents(onlyProd.name, 5);
    const noKargoLog = await receivedEvents(noKargo.name, 4);
    await sleep(1500);
    const ids = (log: { eventId: string }[]) => new Set(log.map((entry) => entry.eventId));
    expect([...ids(await received(onlyProd.name))].filter((id) => [toProd, toDev, toKargo, orgLevel].includes(id)).sort()).toEqual(
      [toProd, toKargo, orgLevel].sort(),
    );
    expect([...ids(await received(noKargo.name))].filter((id) => [toProd, toDev, toKargo, orgLevel].includes(id)).sort()).toEqual(
      [toProd, toDev, orgLevel].sort(),
    );
    expect(noKargoLog.every((entry) => entry.signatureValid)).toBe(true);
    expect(await received(nothing.name)).toEqual([]);
  });

  it('delivers the events that exports and archive downloads record', async () => {
    const org = await createOrg('wh-export', { shard: 'SHARD_1' });
    const receiver = await hook();
    await createWebhook(org, { url: receiver.url, secret: receiver.secret });
    const csv = await call(`/api/v1/organizations/${org.orgId}/csv-audit-logs`, { token: org.ownerKey });
    expect(csv.status).toBe(200);
    await csv.text();
    const log = await receivedEvents(receiver.name, 2);
    expect(log.map((entry) => bodyOf(entry.body).auditEvent?.action).sort()).toEqual(['create', 'export']);
  });

  it('two dispatchers over the same events create one delivery per (webhook, event), and send nothing twice', async () => {
    const org = await createOrg('wh-race', { shard: 'SHARD_2' });
    const receiver = await hook();
    const config = await createWebhook(org, { url: receiver.url, secret: receiver.secret });
    await ingest(
      org,
      Array.from({ length: 30 }, (_, index) => makeEvent(index)),
    );
    await settledHistory(org, config.id, 31);
    // Rewind the cursor (main database) before the deliveries already made (the shard), as if both
    // had read before either wrote, or a run had stopped between the shard batch and the cursor.
    const first = await (await eventsD1(org.orgId))
      .prepare('SELECT min(sequence) AS n FROM webhook_deliveries WHERE config_id = ?')
      .bind(config.id)
      .first<{ n: number }>();
    expect(first?.n).toBeGreaterThan(0);
    await env.DB.prepare('UPDATE notification_configs SET dispatched_sequence = ? WHERE id = ?')
      .bind((first?.n ?? 0) - 1, config.id)
      .run();
    const results = await Promise.all([
      dispatchOrganization(deps(), org.orgId, Date.now()),
      dispatchOrganization(deps(), org.orgId, Date.now()),
    ]);
    expect(results.map((result) => result.sent)).toEqual([0, 0]);
    expect((await history(org, config.id)).totalHistoryCount).toBe(31);
    // The cursor moved past the events again.
    const cursor = await env.DB.prepare('SELECT dispatched_sequence AS n FROM notification_configs WHERE id = ?')
      .bind(config.id)
      .first<{ n: number }>();
    expect(cursor?.n).toBeGreaterThanOrEqual((first?.n ?? 0) + 30);
    await sleep(1500);
    expect(await received(receiver.name)).toHaveLength(31);
  });

  it('sends a pending delivery whose queue message was lost again, and drops late copies of its old message', async () => {
    const org = await createOrg('wh-lost', { shard: 'SHARD_1' });
    const receiver = await hook();
    const config = await createWebhook(org, { url: receiver.url, secret: receiver.secret });
    const [first] = (await receivedEvents(receiver.name, 1)).map((entry) => entry.deliveryId);
    // A delivery stored but never enqueued (a crash between the two), now 20 minutes overdue.
    const lostId = 'dlv_00000000000000000000000000';
    await (await eventsD1(org.orgId))
      .prepare(
        `INSERT INTO webhook_deliveries (id, organization_id, config_id, event_id, event_type, sequence, body, status, created_at, next_attempt_at)
       SELECT ?, organization_id, config_id, 'lost-event', event_type, sequence, body, 'pending', ?, ? FROM webhook_deliveries WHERE id = ?`,
      )
      .bind(lostId, Date.now() - 1_300_000, Date.now() - 1_200_000, first)
      .run();
    const result = await dispatchOrganization(deps(), org.orgId, Date.now());
    expect(result.reissued).toBe(1);
    const log = await eventually(async () => {
      const entries = (await received(receiver.name)).filter((entry) => entry.deliveryId === lostId);
      return entries.length > 0 ? entries : undefined;
    });
    expect(log).toHaveLength(1);
    // The old message (generation 0) arrives late: acknowledged and dropped, nothing sent.
    const batch = createMessageBatch<WebhookDeliveryJob>('audit-log-webhook-deliveries', [
      { id: 'late', timestamp: new Date(), attempts: 1, body: { organizationId: org.orgId, deliveryId: lostId, generation: 0 } },
    ]);
    await worker.queue(batch, env);
    expect((await getQueueResult(batch, createExecutionContext())).explicitAcks).toEqual(['late']);
    await sleep(500);
    expect((await received(receiver.name)).filter((entry) => entry.deliveryId === lostId)).toHaveLength(1);
    expect((await history(org, config.id)).history.find((item) => item.id === lostId)?.deliveryStatus).toBe(
      'NOTIFICATION_DELIVERY_STATUS_SUCCESS',
    );
  });

  it('two copies of one message in a batch make one attempt', async () => {
    const org = await createOrg('wh-dup', { shard: 'SHARD_2' });
    const receiver = await hook({ behaviour: { kind: 'status', status: 400 } });
    const config = await createWebhook(org, { url: receiver.url, secret: receiver.secret });
    await settledHistory(org, config.id, 1);
    const id = 'dlv_00000000000000000000000001';
    await (await eventsD1(org.orgId))
      .prepare(
        `INSERT INTO webhook_deliveries (id, organization_id, config_id, event_id, event_type, sequence, body, status, created_at, next_attempt_at)
       VALUES (?, ?, ?, 'dup-event', 'WEBHOOK_EVENT_TYPE_AUDIT', NULL, '{}', 'pending', ?, ?)`,
      )
      .bind(id, org.orgId, config.id, Date.now(), Date.now())
      .run();
    const copy = (name: string) => ({
      id: name,
      timestamp: new Date(),
      attempts: 1,
      body: { organizationId: org.orgId, deliveryId: id, generation: 0 },
    });
    const batch = createMessageBatch<WebhookDeliveryJob>('audit-log-webhook-deliveries', [copy('a'), copy('b')]);
    await worker.queue(batch, env);
    await getQueueResult(batch, createExecutionContext());
    expect((await received(receiver.name)).filter((entry) => entry.deliveryId === id)).toHaveLength(1);
  });

  it('the daily run nudges every organization with an active webhook, and removes finished deliveries older than 30 days', async () => {
    // Deliveries of two organizations on different shards: the daily run purges in every shard.
    const org = await createOrg('wh-daily', { shard: 'SHARD_1' });
    const other = await createOrg('wh-daily-2', { shard: 'SHARD_2' });
    const otherReceiver = await hook();
    const otherConfig = await createWebhook(other, { url: otherReceiver.url, secret: otherReceiver.secret });
    await settledHistory(other, otherConfig.id, 1);
    const receiver = await hook();
    const config = await createWebhook(org, { url: receiver.url, secret: receiver.secret });
    const [lost] = await ingest(org, [makeEvent(1)]);
    await settledHistory(org, config.id, 2);
    // As if the nudge for the last event had been lost: its delivery never made, the watermark before it.
    const shard = await eventsD1(org.orgId);
    await shard
      .prepare('DELETE FROM webhook_attempts WHERE delivery_id IN (SELECT id FROM webhook_deliveries WHERE event_id = ?)')
      .bind(lost)
      .run();
    await shard.prepare('DELETE FROM webhook_deliveries WHERE event_id = ?').bind(lost).run();
    await env.DB.prepare('UPDATE notification_configs SET dispatched_sequence = dispatched_sequence - 1 WHERE id = ?')
      .bind(config.id)
      .run();
    const old = async (owner: TestOrg, configId: string, status: string, label: string) =>
      (await eventsD1(owner.orgId))
        .prepare(
          `INSERT INTO webhook_deliveries (id, organization_id, config_id, event_id, event_type, body, status, created_at, next_attempt_at)
         VALUES (?, ?, ?, ?, 'WEBHOOK_EVENT_TYPE_AUDIT', '{}', ?, ?, ?)`,
        )
        .bind(
          `dlv_${eventUlid(Date.now() - 40 * 86_400_000)}`,
          owner.orgId,
          configId,
          label,
          status,
          Date.now() - 40 * 86_400_000,
          Date.now() + 3_600_000,
        )
        .run();
    await old(org, config.id, 'success', 'old-finished');
    await old(org, config.id, 'pending', 'old-pending');
    await old(other, otherConfig.id, 'failure', 'old-failed');
    const result = await runWebhookDailyJobs(env, database(env.DB), shardDatabases(env), Date.now());
    expect(result.webhookOrganizationsNudged).toBeGreaterThanOrEqual(2);
    expect(result.purgedDeliveries).toBeGreaterThanOrEqual(2);
    const left = async (owner: TestOrg, configId: string) =>
      (
        await (
          await eventsD1(owner.orgId)
        )
          .prepare('SELECT event_id FROM webhook_deliveries WHERE config_id = ?')
          .bind(configId)
          .all<{ event_id: string }>()
      ).results.map((row) => row.event_id);
    expect(await left(org, config.id)).not.toContain('old-finished');
    expect(await left(org, config.id)).toContain('old-pending');
    expect(await left(other, otherConfig.id)).not.toContain('old-failed');
    expect(await left(other, otherConfig.id)).toHaveLength(1);
    const again = await eventually(async () => {
      const entries = (await received(receiver.name)).filter((entry) => entry.eventId === lost);
      return entries.length === 2 ? entries : undefined;
    });
    expect(again.every((entry) => entry.signatureValid)).toBe(true);
  });
});
