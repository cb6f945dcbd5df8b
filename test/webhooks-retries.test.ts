import { describe, expect, it } from 'vitest';
import type { NotificationConfig } from '../worker/contract/index.ts';
import {
  type AttemptOutcome,
  backoffMs,
  delaySeconds,
  laneFor,
  machineryRetrySeconds,
  pauseMs,
  planAfterAttempt,
  retryAfterMs,
  statusVerdict,
  waitUntilDueMs,
} from '../worker/webhooks/retry-policy.ts';
import { call, createOrg, json } from './helpers/api.ts';
import { makeEvent } from './helpers/events.ts';
import { eventsD1 } from './helpers/shards.ts';
import { createWebhook, delivery, eventually, history, hook, ingest, received, settledHistory } from './helpers/webhooks.ts';

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

describe('webhook retry policy', () => {
  it('retries network errors, 408, 429 and 5xx; fails other statuses at once; backs off exponentially to an hour', () => {
    expect([200, 201, 204, 299].map(statusVerdict)).toEqual(['success', 'success', 'success', 'success']);
    expect([408, 429, 500, 502, 503, 504, 599].map(statusVerdict)).toEqual(Array(7).fill('retry'));
    expect([301, 302, 400, 401, 403, 404, 410, 413, 422].map(statusVerdict)).toEqual(Array(9).fill('fail'));
    const noJitter = () => 0;
    expect([1, 2, 3, 4, 8, 20, 500].map((attempt) => backoffMs(attempt, 30_000, noJitter))).toEqual([
      30_000, 60_000, 120_000, 240_000, 3_600_000, 3_600_000, 3_600_000,
    ]);
    expect(backoffMs(1, 30_000, () => 0.999)).toBeLessThanOrEqual(33_000);
    // Attempts over the first 24 hours at the default 30 s base: enough to honour "at least 24 h" within 100 queue retries.
    let elapsed = 0;
    let attempts = 1;
    while (elapsed < 24 * 3_600_000) elapsed += backoffMs(attempts++, 30_000, noJitter);
    expect(attempts).toBeGreaterThan(25);
    expect(attempts).toBeLessThan(40);
    const now = Date.parse('2026-11-24T10:00:00Z');
    expect(retryAfterMs('120', now)).toBe(120_000);
    expect(retryAfterMs('Tue, 24 Nov 2026 10:05:00 GMT', now)).toBe(300_000);
    expect(retryAfterMs('yesterday', now)).toBeNull();
    expect(retryAfterMs('999999999', now)).toBe(12 * 3_600_000);
    expect(pauseMs(0, 30_000, null)).toBe(30_000);
    expect(pauseMs(600_000, 30_000, null)).toBe(600_000);
    expect(pauseMs(10 * 3_600_000, 30_000, null)).toBe(3_600_000);
    expect(pauseMs(0, 30_000, 7_200_000)).toBe(7_200_000);
    expect(delaySeconds(1)).toBe(1);
    expect(delaySeconds(99 * 3_600_000)).toBe(43_200);
  });

  it('plans the next attempt: backoff or Retry-After, one attempt for pings, giving up 24 h after the first attempt', () => {
    const start = Date.parse('2026-11-24T10:00:00Z');
    const outcome = (verdict: AttemptOutcome['verdict'], endedAt: number, retryAfter: number | null = null): AttemptOutcome => ({
      verdict,
      error: verdict === 'retry' ? 'HTTP 503' : '',
      startedAt: endedAt - 100,
      endedAt,
      retryAfterMs: retryAfter,
    });
    const audit = { attemptCount: 0, firstAttemptAt: null, eventType: 'WEBHOOK_EVENT_TYPE_AUDIT' as const };
    expect(planAfterAttempt(audit, outcome('success', start), 30_000)).toEqual({ status: 'success', nextAttemptAt: null, note: null });
    expect(planAfterAttempt(audit, outcome('fail', start), 30_000).status).toBe('failure');
    const next = planAfterAttempt(audit, outcome('retry', start), 30_000);
    expect(next.status).toBe('pending');
    expect((next.nextAttemptAt ?? 0) - start).toBeGreaterThanOrEqual(30_000);
    expect((next.nextAttemptAt ?? 0) - start).toBeLessThanOrEqual(33_000);
    expect(planAfterAttempt(audit, outcome('retry', start, 600_000), 30_000).nextAttemptAt).toBe(start + 600_000);
    const ping = { ...audit, eventType: 'WEBHOOK_EVENT_TYPE_PING' as const };
    expect(planAfterAttempt(ping, outcome('retry', start), 30_000).status).toBe('failure');
    const late = planAfterAttempt({ ...audit, attemptCount: 29, firstAttemptAt: start }, outcome('retry', start + 24 * 3_600_000), 30_000);
    expect(late).toEqual({
      status: 'failure',
      nextAttemptAt: null,
      note: 'gave up: all 30 attempts failed over 24 hours (last: HTTP 503)',
    });
  });

  it("routes a failing receiver's deliveries to the retry lane and waits for what is not due", () => {
    const now = Date.parse('2026-11-24T10:00:00Z');
    expect(laneFor({ failingSince: null, pausedUntil: null }, now)).toEqual({ lane: 'delivery', delayMs: 0 });
    expect(laneFor({ failingSince: now - 1000, pausedUntil: null }, now)).toEqual({ lane: 'retry', delayMs: 0 });
    const paused = laneFor({ failingSince: now - 1000, pausedUntil: now + 600_000 }, now);
    expect(paused.lane).toBe('retry');
    expect(paused.delayMs).toBeGreaterThanOrEqual(600_000);
    expect(paused.delayMs).toBeLessThanOrEqual(660_000);
    expect(waitUntilDueMs(null, now)).toBe(0);
    expect(waitUntilDueMs(now + 1000, now)).toBe(0);
    expect(waitUntilDueMs(now + 60_000, now)).toBeGreaterThanOrEqual(60_000);
    expect([1, 2, 10, 100].map(machineryRetrySeconds)).toEqual([10, 20, 100, 300]);
  });
});

describe('webhook retries', () => {
  it('retries a receiver that fails twice, then records three attempts of the same signed body', async () => {
    const org = await createOrg('wh-retry', { shard: 'SHARD_1' });
    const receiver = await hook({ behaviour: { kind: 'fail-first', times: 2 } });
    const config = await createWebhook(org, { url: receiver.url, secret: receiver.secret });
    await ingest(org, [makeEvent(1)]);
    const page = await settledHistory(org, config.id, 2, 40_000);
    expect(page.history.map((item) => [item.deliveryStatus, item.retryCount])).toEqual([
      ['NOTIFICATION_DELIVERY_STATUS_SUCCESS', 2],
      ['NOTIFICATION_DELIVERY_STATUS_SUCCESS', 2],
    ]);
    const item = page.history[0];
    if (!item) throw new Error('no delivery');
    const detail = await delivery(org, config.id, item.id);
    expect(detail.attempts?.map((attempt) => [attempt.attempt, attempt.statusCode, attempt.deliveryStatus, attempt.error])).toEqual([
      [1, 503, 'NOTIFICATION_DELIVERY_STATUS_FAILURE', 'HTTP 503'],
      [2, 503, 'NOTIFICATION_DELIVERY_STATUS_FAILURE', 'HTTP 503'],
      [3, 200, 'NOTIFICATION_DELIVERY_STATUS_SUCCESS', ''],
    ]);
    expect(detail.attempts?.[0]?.response).toBe('try again');
    expect(detail.initialDeliveryTime).toBe(detail.attempts?.[0]?.startTime);
    expect(detail.nextAttemptTime).toBeNull();
    const requests = (await received(receiver.name)).filter((entry) => entry.deliveryId === item.id);
    expect(requests).toHaveLength(3);
    expect(new Set(requests.map((entry) => entry.body)).size).toBe(1);
    expect(new Set(requests.map((entry) => entry.headers['x-audit-signature-256'])).size).toBe(1);
    expect(requests.every((entry) => entry.signatureValid)).toBe(true);
    // The backoff spaced them (base 1 s in the tests).
    expect((requests[1]?.at ?? 0) - (requests[0]?.at ?? 0)).toBeGreaterThanOrEqual(900);
    const healed = await json<{ notificationConfig: NotificationConfig }>(
      await call(`/api/v1/orgs/${org.orgId}/notification-configs/${config.id}`, { token: org.ownerKey }),
      200,
    );
    expect(healed.notificationConfig.failingSince).toBeNull();
  });

  for (const [status, extra] of [
    [400, {}],
    [404, {}],
    [410, {}],
    [302, { location: 'http://169.254.169.254/latest/meta-data/' }],
  ] as const) {
    it(`fails at once on ${status}, with no retry`, async () => {
      const org = await createOrg(`wh-${status}`, { shard: 'SHARD_1' });
      const receiver = await hook({ behaviour: { kind: 'status', status, ...extra } });
      const config = await createWebhook(org, { url: receiver.url, secret: receiver.secret });
      const page = await settledHistory(org, config.id, 1);
      expect(page.history[0]).toMatchObject({ deliveryStatus: 'NOTIFICATION_DELIVERY_STATUS_FAILURE', retryCount: 0 });
      expect(page.history[0]?.webhook.statusCode).toBe(status);
      expect(page.history[0]?.webhook.error).toMatch(
        status === 302 ? /redirects are not followed \(Location: http:\/\/169\.254/ : `HTTP ${status}`,
      );
      await sleep(2500);
      expect(await received(receiver.name)).toHaveLength(1);
    });
  }

  it('honours Retry-After on 429 and pauses the receiver until then', async () => {
    const org = await createOrg('wh-429', { shard: 'SHARD_2' });
    const receiver = await hook({ behaviour: { kind: 'status', status: 429, retryAfter: '3' } });
    const config = await createWebhook(org, { url: receiver.url, secret: receiver.secret });
    await eventually(async () => ((await received(receiver.name)).length > 0 ? true : undefined));
    const paused = await json<{ notificationConfig: NotificationConfig }>(
      await call(`/api/v1/orgs/${org.orgId}/notification-configs/${config.id}`, { token: org.ownerKey }),
      200,
    );
    expect(paused.notificationConfig.failingSince).not.toBeNull();
    expect(Date.parse(paused.notificationConfig.pausedUntil ?? '')).toBeGreaterThan(Date.now() + 1000);
    await hook({ name: receiver.name, secret: receiver.secret, behaviour: { kind: 'ok' } });
    await settledHistory(org, config.id, 1, 20_000);
    const requests = await received(receiver.name);
    expect(requests).toHaveLength(2);
    expect((requests[1]?.at ?? 0) - (requests[0]?.at ?? 0)).toBeGreaterThanOrEqual(2900);
  });

  it('keeps a bounded response: 4 KiB of body, 50 headers of at most 1 KiB', async () => {
    const org = await createOrg('wh-large', { shard: 'SHARD_1' });
    const receiver = await hook({ behaviour: { kind: 'large', bytes: 100_000 } });
    const config = await createWebhook(org, { url: receiver.url, secret: receiver.secret });
    const item = (await settledHistory(org, config.id, 1)).history[0];
    expect(item?.deliveryStatus).toBe('NOTIFICATION_DELIVERY_STATUS_SUCCESS');
    expect(item?.webhook.response).toBe(`${'x'.repeat(4096)}…`);
    const headers = Object.values(item?.webhook.responseHeaders ?? {});
    expect(headers.length).toBe(50);
    expect(Math.max(...headers.map((value) => value.length))).toBeLessThanOrEqual(1025);
  });

  it('gives up after 24 hours of failed attempts, saying so', async () => {
    const org = await createOrg('wh-giveup', { shard: 'SHARD_2' });
    const receiver = await hook({ behaviour: { kind: 'status', status: 500 } });
    const config = await createWebhook(org, { url: receiver.url, secret: receiver.secret });
    await eventually(async () => ((await received(receiver.name)).length > 0 ? true : undefined));
    // The first attempt was a day ago: the next failure is the last.
    await (await eventsD1(org.orgId))
      .prepare('UPDATE webhook_deliveries SET first_attempt_at = ?, created_at = ? WHERE config_id = ?')
      .bind(Date.now() - 25 * 3_600_000, Date.now() - 25 * 3_600_000, config.id)
      .run();
    const page = await settledHistory(org, config.id, 1, 30_000);
    expect(page.history[0]).toMatchObject({ deliveryStatus: 'NOTIFICATION_DELIVERY_STATUS_FAILURE', nextAttemptTime: null });
    expect(page.history[0]?.webhook.error).toMatch(/^gave up: all \d+ attempts failed over 24 hours \(last: HTTP 500\)$/);
    const count = (await received(receiver.name)).length;
    await sleep(3000);
    expect(await received(receiver.name)).toHaveLength(count);
    expect((await history(org, config.id)).history[0]?.retryCount).toBe(count - 1);
  });

  it('a refused connection is a network failure: no status, retried', async () => {
    const org = await createOrg('wh-network', { shard: 'SHARD_2' });
    // Port 9 on loopback: nothing listens there.
    const config = await createWebhook(org, { url: 'http://127.0.0.1:9/hook', secret: 'a-webhook-secret-0123456789' });
    const item = await eventually(async () => {
      const first = (await history(org, config.id)).history[0];
      return first && first.retryCount >= 1 ? first : undefined;
    });
    expect(item.deliveryStatus).toBe('NOTIFICATION_DELIVERY_STATUS_UNSPECIFIED');
    expect(item.webhook.statusCode).toBe(0);
    expect(item.webhook.error).toMatch(/^network error: /);
    expect(item.nextAttemptTime).not.toBeNull();
    await call(`/api/v1/orgs/${org.orgId}/notification-configs/${config.id}`, { method: 'DELETE', token: org.ownerKey });
  });
});
