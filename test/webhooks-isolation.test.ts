import { describe, expect, it } from 'vitest';
import { call, createOrg, type TestOrg } from './helpers/api.ts';
import { makeEvent } from './helpers/events.ts';
import { createWebhook, eventually, history, hook, ingest, received } from './helpers/webhooks.ts';

const pending = 'NOTIFICATION_DELIVERY_STATUS_UNSPECIFIED';
const success = 'NOTIFICATION_DELIVERY_STATUS_SUCCESS';

/** Ms from now until every delivery of the config has succeeded (at least `count` of them). */
async function timeToDeliver(org: TestOrg, configId: string, count: number, started: number): Promise<number> {
  await eventually(
    async () => {
      const page = await history(org, configId);
      return page.totalHistoryCount >= count && page.history.every((item) => item.deliveryStatus === success) ? true : undefined;
    },
    40_000,
    `${count} deliveries of ${configId}`,
  );
  return Date.now() - started;
}

const events = (count: number, offset: number) => Array.from({ length: count }, (_, index) => makeEvent(offset + index));

/**
 * The local queue runs one batch at a time per queue (production runs many): the worst case for
 * isolation. One organization's receiver hangs on every request; another's answers at once.
 */
describe('isolation between receivers', () => {
  it("a hanging receiver costs another organization's deliveries at most one attempt timeout, once, and then nothing", async () => {
    const slowOrg = await createOrg('wh-hang', { shard: 'SHARD_1' });
    const fastOrg = await createOrg('wh-fast', { shard: 'SHARD_2' });
    const hanging = await hook({ behaviour: { kind: 'hang', maxMs: 30_000 } });
    const fast = await hook();
    const slow = await createWebhook(slowOrg, { url: hanging.url, secret: hanging.secret });
    // 300 deliveries: three full batches. One 10 s timeout per message would hold the fast lane for minutes.
    await ingest(slowOrg, events(300, 0));
    await eventually(async () => ((await received(hanging.name)).length > 0 ? true : undefined), 20_000, 'the first hanging request');

    // While the first attempt hangs: the fast receiver's organization gets its webhook and events.
    const firstStart = Date.now();
    const quick = await createWebhook(fastOrg, { url: fast.url, secret: fast.secret });
    await ingest(fastOrg, events(20, 0));
    const first = await timeToDeliver(fastOrg, quick.id, 21, firstStart);

    // The hanging receiver is now known to fail: all its deliveries wait in the retry lane, and new ones go straight there.
    const secondStart = Date.now();
    await Promise.all([ingest(slowOrg, events(100, 300)), ingest(fastOrg, events(20, 20))]);
    const second = await timeToDeliver(fastOrg, quick.id, 41, secondStart);

    const slowPage = await history(slowOrg, slow.id, 'limit=100');
    const attempts = (await received(hanging.name)).length;
    console.log(JSON.stringify({ firstMs: first, secondMs: second, slowPending: slowPage.totalHistoryCount, hangingAttempts: attempts }));
    // The fast deliveries waited for the one hanging probe at most (its 10 s timeout, plus queue batching)…
    expect(first).toBeLessThan(16_000);
    // …and afterwards not at all: queue batching only.
    expect(second).toBeLessThan(6_000);
    // Meanwhile every delivery to the hanging receiver is still pending, and it got a few probes, not one request per delivery.
    expect(slowPage.totalHistoryCount).toBe(401);
    expect(slowPage.history.every((item) => item.deliveryStatus === pending)).toBe(true);
    expect(attempts).toBeLessThanOrEqual(10);
    expect((await received(fast.name)).every((entry) => entry.signatureValid)).toBe(true);

    // Done: deleting the webhook ends its deliveries without further attempts.
    await call(`/api/v1/orgs/${slowOrg.orgId}/notification-configs/${slow.id}`, { method: 'DELETE', token: slowOrg.ownerKey });
  }, 120_000);
});
