// The API's rules for webhook configs, each with its wrong-side case (another organization, another shard).
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { AuditLogPage, NotificationConfig } from '../worker/contract/index.ts';
import { decryptSecret } from '../worker/webhooks/secret-box.ts';
import { ADMIN, call, createKey, createOrg, expectProblem, json, type TestOrg, unique } from './helpers/api.ts';
import { eventsD1 } from './helpers/shards.ts';
import { createWebhook, hook, settledHistory, webhookPath } from './helpers/webhooks.ts';

const SECRET = 'a-webhook-secret-0123456789';
const answerOf = async (response: Response, status: number) =>
  (await json<{ notificationConfig: NotificationConfig }>(response, status)).notificationConfig;

async function configEvents(org: TestOrg) {
  const page = await json<AuditLogPage>(
    await call(`/api/v1/organizations/${org.orgId}/audit-logs?filters.objectType=notification_config&filters.limit=100`, {
      token: org.ownerKey,
    }),
    200,
  );
  return page.items;
}

/** Everything stored about an organization's webhooks: configs (main database), deliveries and attempts (its shard). */
async function webhookState(org: TestOrg) {
  const shard = await eventsD1(org.orgId);
  const [configs, deliveries, attempts] = await Promise.all([
    env.DB.prepare('SELECT * FROM notification_configs WHERE organization_id = ? ORDER BY id').bind(org.orgId).all(),
    shard.prepare('SELECT * FROM webhook_deliveries WHERE organization_id = ? ORDER BY id').bind(org.orgId).all(),
    shard
      .prepare(
        'SELECT * FROM webhook_attempts WHERE delivery_id IN (SELECT id FROM webhook_deliveries WHERE organization_id = ?) ORDER BY delivery_id, attempt',
      )
      .bind(org.orgId)
      .all(),
  ]);
  return { configs: configs.results, deliveries: deliveries.results, attempts: attempts.results };
}

async function storedRow(configId: string) {
  return env.DB.prepare('SELECT * FROM notification_configs WHERE id = ?').bind(configId).first<Record<string, unknown>>();
}

describe('notification configs API', () => {
  it('creates a webhook with the default filter, never returns its secret and stores it encrypted, bound to the config', async () => {
    const org = await createOrg('wh-create', { shard: 'SHARD_1' });
    const receiver = await hook();
    const response = await call(webhookPath(org), {
      method: 'POST',
      token: org.ownerKey,
      body: { name: 'Splunk', webhook: { url: receiver.url, secret: SECRET } },
    });
    const text = await response.clone().text();
    const config = await answerOf(response, 201);
    expect(config).toMatchObject({
      id: expect.stringMatching(/^nc_/),
      name: 'Splunk',
      deliveryMethod: 'DELIVERY_METHOD_WEBHOOK',
      webhook: {
        url: receiver.url,
        active: true,
        filter: {
          events: ['audit'],
          filterArgocdInstanceNames: false,
          argocdInstanceNames: [],
          filterKargoInstanceNames: false,
          kargoInstanceNames: [],
        },
      },
      failingSince: null,
      pausedUntil: null,
    });
    expect(config.lastDelivery).toBeUndefined();
    const listed = await call(webhookPath(org), { token: org.ownerKey });
    const got = await call(`${webhookPath(org)}/${config.id}`, { token: org.ownerKey });
    for (const body of [text, await listed.text(), await got.text(), JSON.stringify(await configEvents(org))])
      expect(body).not.toContain(SECRET);

    const row = await storedRow(config.id);
    expect(String(row?.secret_ciphertext)).toMatch(/^v1\.[\w-]+\.[\w-]+$/);
    expect(JSON.stringify(row)).not.toContain(SECRET);
    expect(await decryptSecret(env.WEBHOOK_SECRET_KEY, config.id, String(row?.secret_ciphertext))).toBe(SECRET);
    // Bound to its config: the same ciphertext does not open as another config's secret.
    await expect(decryptSecret(env.WEBHOOK_SECRET_KEY, 'nc_other', String(row?.secret_ciphertext))).rejects.toThrow();
  });

  it('records every change as a platform event of object type notification_config, naming only the receiver origin', async () => {
    const org = await createOrg('wh-events', { shard: 'SHARD_2' });
    const receiver = await hook();
    const url = `${receiver.url}?token=path-secret-value`;
    const config = await createWebhook(org, { url, secret: SECRET }, 'SIEM');
    await answerOf(
      await call(`${webhookPath(org)}/${config.id}`, {
        method: 'PUT',
        token: org.ownerKey,
        body: { name: 'SIEM 2', webhook: { url, secret: `${SECRET}-rotated`, filter: { events: [] }, active: false } },
      }),
      200,
    );
    expect((await call(`${webhookPath(org)}/${config.id}`, { method: 'DELETE', token: org.ownerKey })).status).toBe(204);
    const events = await configEvents(org);
    expect(events.map((event) => [event.action, event.object.id.name, event.source, event.sourceKeyId])).toEqual([
      ['delete', 'SIEM 2', 'platform', null],
      ['update', 'SIEM 2', 'platform', null],
      ['create', 'SIEM', 'platform', null],
    ]);
    expect(events[1]?.details).toMatchObject({ changed: ['name', 'secret', 'filter', 'active'], active: false });
    const text = JSON.stringify(events);
    expect(text).toContain(new URL(receiver.url).origin);
    expect(text).not.toContain('path-secret-value');
    expect(text).not.toContain(SECRET);
  });

  it('PUT replaces the config, keeps the secret unless sent, and an unchanged PUT records nothing', async () => {
    const org = await createOrg('wh-put', { shard: 'SHARD_1' });
    const receiver = await hook();
    const config = await createWebhook(org, { url: receiver.url, secret: SECRET });
    const before = String((await storedRow(config.id))?.secret_ciphertext);
    const body = {
      name: config.name,
      webhook: { url: receiver.url, filter: { filterArgocdInstanceNames: true, argocdInstanceNames: ['prod', 'prod', 'staging'] } },
    };
    const updated = await answerOf(await call(`${webhookPath(org)}/${config.id}`, { method: 'PUT', token: org.ownerKey, body }), 200);
    expect(updated.webhook.filter).toEqual({
      events: ['audit'],
      filterArgocdInstanceNames: true,
      argocdInstanceNames: ['prod', 'staging'],
      filterKargoInstanceNames: false,
      kargoInstanceNames: [],
    });
    expect(updated.webhook.active).toBe(true);
    expect(String((await storedRow(config.id))?.secret_ciphertext)).toBe(before);
    const eventsBefore = (await configEvents(org)).length;
    await answerOf(await call(`${webhookPath(org)}/${config.id}`, { method: 'PUT', token: org.ownerKey, body }), 200);
    expect((await configEvents(org)).length).toBe(eventsBefore);
  });

  it('refuses invalid fields with 422 naming them', async () => {
    const org = await createOrg('wh-invalid', { shard: 'SHARD_2' });
    const valid = { name: 'n', webhook: { url: 'https://siem.example.com/hook', secret: SECRET } };
    const cases: [unknown, string][] = [
      [{ ...valid, extra: 1 }, 'extra'],
      [{ name: 'n', webhook: { url: 'https://siem.example.com/hook' } }, 'webhook/secret'],
      [{ name: 'n', webhook: { ...valid.webhook, secret: 'short' } }, 'webhook/secret'],
      [{ name: 'n', webhook: { ...valid.webhook, secret: `${SECRET}\u0000` } }, 'webhook/secret'],
      [{ name: 'n', webhook: { ...valid.webhook, active: true } }, 'webhook/active'],
      [{ name: '', webhook: valid.webhook }, 'name'],
      [{ name: 'a\ud800b', webhook: valid.webhook }, 'name'],
      [{ name: 'n', webhook: { ...valid.webhook, url: 'https://siem.example.com/\u0000' } }, 'webhook/url'],
      [{ name: 'n', webhook: { ...valid.webhook, url: 'x'.repeat(3000) } }, 'webhook/url'],
      [{ name: 'n', webhook: { ...valid.webhook, filter: { events: ['other'] } } }, 'webhook/filter/events/0'],
      [
        { name: 'n', webhook: { ...valid.webhook, filter: { argocdInstanceNames: ['Not A Name'] } } },
        'webhook/filter/argocdInstanceNames/0',
      ],
      [
        { name: 'n', webhook: { ...valid.webhook, filter: { kargoInstanceNames: Array.from({ length: 101 }, (_, i) => `k${i}`) } } },
        'webhook/filter/kargoInstanceNames',
      ],
      [{ name: 'n', webhook: { ...valid.webhook, filter: { unknown: true } } }, 'webhook/filter/unknown'],
    ];
    for (const [body, pointer] of cases) {
      const problem = await expectProblem(await call(webhookPath(org), { method: 'POST', token: org.ownerKey, body }), 422);
      expect(
        problem.errors?.map((error) => error.pointer),
        JSON.stringify(body).slice(0, 80),
      ).toContain(pointer);
    }
    expect(
      (await json<{ notificationConfigs: unknown[] }>(await call(webhookPath(org), { token: org.ownerKey }), 200)).notificationConfigs,
    ).toEqual([]);
  });

  it('refuses URLs the SSRF rule refuses with a 422 on webhook/url saying why, on create and on update', async () => {
    const org = await createOrg('wh-ssrf', { shard: 'SHARD_1' });
    const cases: [string, RegExp][] = [
      ['http://siem.example.com/hook', /must use https:\/\//],
      ['https://10.0.0.8/hook', /private address \(10\.0\.0\.0\/8\)/],
      ['https://169.254.169.254/latest/meta-data', /link-local/],
      ['https://metadata.google.internal/', /cloud metadata service/],
      ['https://[::1]:8080/', /IPv6 loopback/],
      ['https://printer.local/', /\.local /],
      ['http://127.0.0.2/', /must use https/],
      ['https://user:pw@siem.example.com/', /credentials/],
    ];
    for (const [url, reason] of cases) {
      const problem = await expectProblem(
        await call(webhookPath(org), {
          method: 'POST',
          token: org.ownerKey,
          body: { name: unique('n'), webhook: { url, secret: SECRET } },
        }),
        422,
      );
      expect(problem.errors, url).toEqual([{ pointer: 'webhook/url', detail: expect.stringMatching(reason) }]);
    }
    const receiver = await hook();
    const config = await createWebhook(org, { url: receiver.url, secret: SECRET });
    const problem = await expectProblem(
      await call(`${webhookPath(org)}/${config.id}`, {
        method: 'PUT',
        token: org.ownerKey,
        body: { name: config.name, webhook: { url: 'https://192.168.1.1/' } },
      }),
      422,
    );
    expect(problem.errors?.[0]?.detail).toMatch(/private address/);
  });

  it('409 for a second webhook of the same name and past 20 webhooks; names are free again after a delete', async () => {
    const org = await createOrg('wh-limits', { shard: 'SHARD_2' });
    const receiver = await hook();
    const first = await createWebhook(org, { url: receiver.url, secret: SECRET }, 'Same');
    const clash = await expectProblem(
      await call(webhookPath(org), {
        method: 'POST',
        token: org.ownerKey,
        body: { name: 'Same', webhook: { url: receiver.url, secret: SECRET } },
      }),
      409,
    );
    expect(clash.type).toBe('urn:problem:audit-logs:notification-config-exists');
    // Two racing creates of one name: the unique index lets one through, the other gets the same 409.
    const racing = await Promise.all(
      [0, 1].map(() =>
        call(webhookPath(org), {
          method: 'POST',
          token: org.ownerKey,
          body: { name: 'Racer', webhook: { url: receiver.url, secret: SECRET } },
        }),
      ),
    );
    expect(racing.map((response) => response.status).sort()).toEqual([201, 409]);
    await Promise.all(racing.map((response) => response.body?.cancel()));
    await call(`${webhookPath(org)}/${first.id}`, { method: 'DELETE', token: org.ownerKey });
    await createWebhook(org, { url: receiver.url, secret: SECRET }, 'Same');
    for (let index = 2; index < 20; index += 1) await createWebhook(org, { url: receiver.url, secret: SECRET });
    const limit = await expectProblem(
      await call(webhookPath(org), {
        method: 'POST',
        token: org.ownerKey,
        body: { name: 'One more', webhook: { url: receiver.url, secret: SECRET } },
      }),
      409,
    );
    expect(limit.type).toBe('urn:problem:audit-logs:notification-config-limit');
  });

  it('a deleted webhook is gone: 404 on every path of it', async () => {
    const org = await createOrg('wh-delete', { shard: 'SHARD_1' });
    const receiver = await hook();
    const config = await createWebhook(org, { url: receiver.url, secret: SECRET });
    expect((await call(`${webhookPath(org)}/${config.id}`, { method: 'DELETE', token: org.ownerKey })).status).toBe(204);
    for (const [method, path] of [
      ['GET', ''],
      ['DELETE', ''],
      ['POST', '/ping'],
      ['GET', '/delivery-history'],
    ] as const) {
      await expectProblem(await call(`${webhookPath(org)}/${config.id}${path}`, { method, token: org.ownerKey }), 404);
    }
    expect(
      (await json<{ notificationConfigs: unknown[] }>(await call(webhookPath(org), { token: org.ownerKey }), 200)).notificationConfigs,
    ).toEqual([]);
  });

  it("another organization's webhook and delivery ids, on another shard or on the same one, are unknown (404) inside one's own organization and change nothing; other roles get 403", async () => {
    const mine = await createOrg('wh-mine', { shard: 'SHARD_1' });
    // One on the other shard, one beside mine on the same shard.
    const theirs = await createOrg('wh-theirs', { shard: 'SHARD_2' });
    const neighbour = await createOrg('wh-neighbour', { shard: 'SHARD_1' });
    const receiver = await hook();
    const their = await createWebhook(theirs, { url: receiver.url, secret: SECRET });
    const next = await createWebhook(neighbour, { url: receiver.url, secret: SECRET });
    const own = await createWebhook(mine, { url: receiver.url, secret: SECRET });
    const pingOf = async (org: TestOrg, configId: string) =>
      (
        await json<{ history: { id: string } }>(
          await call(`${webhookPath(org)}/${configId}/ping`, { method: 'POST', token: org.ownerKey }),
          200,
        )
      ).history.id;
    const others = [
      { org: theirs, configId: their.id, deliveryId: await pingOf(theirs, their.id) },
      { org: neighbour, configId: next.id, deliveryId: await pingOf(neighbour, next.id) },
    ];
    await pingOf(mine, own.id);
    // Each webhook's own creation event and its ping, delivered: nothing moves while the state is compared.
    await settledHistory(theirs, their.id, 2);
    await settledHistory(neighbour, next.id, 2);
    await settledHistory(mine, own.id, 2);
    const before = await Promise.all([mine, theirs, neighbour].map(webhookState));
    expect(before[1]?.deliveries).toHaveLength(2);
    const body = { name: 'x', webhook: { url: receiver.url, secret: SECRET } };
    for (const { org, configId, deliveryId } of others) {
      const crossTenant: [string, string, unknown?][] = [
        ['GET', `${webhookPath(mine)}/${configId}`],
        ['PUT', `${webhookPath(mine)}/${configId}`, body],
        ['DELETE', `${webhookPath(mine)}/${configId}`],
        ['POST', `${webhookPath(mine)}/${configId}/ping`],
        ['GET', `${webhookPath(mine)}/${configId}/delivery-history`],
        ['GET', `${webhookPath(mine)}/${configId}/delivery-history/${deliveryId}`],
        ['POST', `${webhookPath(mine)}/${configId}/notifications/${deliveryId}/redeliver`],
        // Their delivery under my own config: still unknown.
        ['GET', `${webhookPath(mine)}/${own.id}/delivery-history/${deliveryId}`],
        ['POST', `${webhookPath(mine)}/${own.id}/notifications/${deliveryId}/redeliver`],
      ];
      for (const [method, path, payload] of crossTenant) {
        const problem = await expectProblem(await call(path, { method, token: mine.ownerKey, body: payload }), 404);
        expect(problem.detail).not.toContain(org.orgId);
      }
    }
    // Nothing changed on either side: configs in the main database, deliveries and attempts in every shard.
    expect(await Promise.all([mine, theirs, neighbour].map(webhookState))).toEqual(before);
    await expectProblem(await call(webhookPath(theirs), { token: mine.ownerKey }), 403);
    for (const role of ['admin', 'auditor', 'member', 'ingest'] as const) {
      const key = await createKey(mine, role);
      await expectProblem(await call(webhookPath(mine), { token: key.secret }), 403);
      await expectProblem(await call(webhookPath(mine), { method: 'POST', token: key.secret, body }), 403);
      await expectProblem(await call(`${webhookPath(mine)}/${own.id}/ping`, { method: 'POST', token: key.secret }), 403);
    }
    // Their webhook was never touched.
    expect((await answerOf(await call(`${webhookPath(theirs)}/${their.id}`, { token: theirs.ownerKey }), 200)).name).toBe(their.name);
    // The platform admin acts as owner everywhere.
    expect((await call(webhookPath(theirs), { token: ADMIN })).status).toBe(200);
  });
});
