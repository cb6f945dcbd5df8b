import { env } from 'cloudflare:workers';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { call, createOrg, expectProblem, type TestOrg } from './helpers/api.ts';
import { createWebhook, hook } from './helpers/webhooks.ts';

/**
 * Property-based fuzzing of the webhook endpoints (test/fuzz.test.ts does the rest of the API):
 * never a 5xx, every rejection a problem, a rejected write stores nothing, and no URL the SSRF rule
 * refuses is ever stored.
 */
const RUNS = { configs: 1000, history: 500 };
const stats = { cases: 0, serverErrors: 0 };

let owner: TestOrg;
let receiver: { url: string; secret: string };
let existing: { id: string; name: string };

async function check(response: Response): Promise<number> {
  stats.cases += 1;
  const text = await response.text();
  if (response.status >= 500) stats.serverErrors += 1;
  expect(response.status, text).toBeLessThan(500);
  if (response.status >= 400) expect(response.headers.get('content-type')).toBe('application/problem+json');
  return response.status;
}

const liveConfigs = async () =>
  (
    await env.DB.prepare('SELECT count(*) AS n FROM notification_configs WHERE organization_id = ? AND deleted_at IS NULL')
      .bind(owner.orgId)
      .first<{ n: number }>()
  )?.n ?? 0;

const wellFormed = (value: string) => value.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
const text = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.constantFrom('', ' ', '\u0000', 'a\ud800b', '../', '"', '9'.repeat(400), 'x'.repeat(3000)),
  fc.string({ unit: 'binary', maxLength: 20 }),
);
const hostileKey = fc.constantFrom('__proto__', 'constructor', 'prototype');

beforeAll(async () => {
  // Its own organization: webhooks here receive deliveries, which other suites must not trigger.
  owner = await createOrg('fuzz-webhooks', { shard: 'SHARD_2' });
  receiver = await hook();
  existing = await createWebhook(owner, { url: receiver.url, secret: receiver.secret, filter: { events: [] } });
});

describe('webhook fuzzing', () => {
  it('config bodies: a 2xx or a problem; a rejected one stores nothing; only allowed URLs get in', async () => {
    const url = fc.oneof(
      text,
      fc.constantFrom(
        receiver.url,
        `${receiver.url}?a=1`,
        'https://10.0.0.1/',
        'https://[::1]/',
        'http://169.254.169.254/',
        'https://localhost./',
      ),
      fc.ipV4().map((ip) => `https://${ip}:1/hook`),
      fc.ipV6().map((ip) => `https://[${ip}]:1/hook`),
      fc
        .tuple(
          fc.constantFrom('http', 'https', 'ftp', 'javascript', 'file'),
          fc.constantFrom('internal', 'x.local', '0x7f.1', '2130706433', 'a..b'),
        )
        .map(([scheme, host]) => `${scheme}://${host}/`),
    );
    const names = fc.array(fc.oneof(text, fc.constantFrom('prod', 'staging')), { maxLength: 4 });
    const filter = fc.oneof(
      fc.record(
        {
          events: fc.oneof(fc.constant([]), fc.array(text, { maxLength: 2 })),
          filterArgocdInstanceNames: fc.oneof(fc.boolean(), text),
          argocdInstanceNames: names,
          kargoInstanceNames: names,
        },
        { requiredKeys: [] },
      ),
      fc.jsonValue(),
    );
    const webhook = fc.oneof(
      fc.record(
        { url, secret: fc.oneof(text, fc.constant(receiver.secret)), filter, active: fc.oneof(fc.boolean(), text) },
        { requiredKeys: [] },
      ),
      fc.jsonValue(),
    );
    const body = fc.oneof(
      fc.record({ name: fc.oneof(text, fc.constant('ok')), webhook }, { requiredKeys: [] }),
      fc.dictionary(fc.oneof(hostileKey, text), fc.jsonValue(), { maxKeys: 3 }),
    );
    const base = () => `/api/v1/orgs/${owner.orgId}/notification-configs`;
    await fc.assert(
      fc.asyncProperty(body, fc.boolean(), async (payload, update) => {
        const before = await liveConfigs();
        const path = update ? `${base()}/${existing.id}` : base();
        const response = await call(path, { method: update ? 'PUT' : 'POST', token: owner.ownerKey, body: JSON.stringify(payload) });
        const answer = response.ok
          ? ((await response.clone().json()) as { notificationConfig: { id: string; webhook: { url: string } } })
          : null;
        await check(response);
        if (!answer) return void expect(await liveConfigs()).toBe(before);
        // What got in is a public https URL or, stored in its canonical form, plain http to localhost or
        // 127.0.0.1 (allowed in the tests; "http://0x7f.1/" is 127.0.0.1 and is stored as such).
        const stored = answer.notificationConfig.webhook.url;
        expect(stored.startsWith('https://') || /^http:\/\/(127\.0\.0\.1|localhost)[:/]/.test(stored), stored).toBe(true);
        if (!update)
          await (await call(`${base()}/${answer.notificationConfig.id}`, { method: 'DELETE', token: owner.ownerKey })).body?.cancel();
        // The existing webhook goes back to the receiver, with no audit events, whatever the update set.
        else
          await (
            await call(path, {
              method: 'PUT',
              token: owner.ownerKey,
              body: { name: existing.name, webhook: { url: receiver.url, filter: { events: [] } } },
            })
          ).body?.cancel();
      }),
      { numRuns: RUNS.configs },
    );
  }, 300_000);

  it('history parameters and ids: never a 5xx', async () => {
    // This project's rate budgets are out of reach (vitest.config.ts): no case is a 429.
    const token = owner.ownerKey;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.constantFrom('limit', 'offset', 'other'), fc.oneof(text, fc.integer().map(String))), { maxLength: 4 }),
        fc.oneof(
          fc.constant(existing.id),
          text.map((value) => encodeURIComponent(wellFormed(value))),
        ),
        async (pairs, id) => {
          const query = new URLSearchParams(pairs.map(([name, value]) => [name, wellFormed(value)]));
          await check(await call(`/api/v1/orgs/${owner.orgId}/notification-configs/${id}/delivery-history?${query}`, { token }));
        },
      ),
      { numRuns: RUNS.history },
    );
    for (const query of ['limit=0', 'limit=101', 'limit=abc', 'offset=-1', 'offset=99999999999', 'unknown=1', 'limit=1&limit=2']) {
      await expectProblem(
        await call(`/api/v1/orgs/${owner.orgId}/notification-configs/${existing.id}/delivery-history?${query}`, { token }),
        400,
      );
    }
    const big = await call(`/api/v1/orgs/${owner.orgId}/notification-configs`, {
      method: 'POST',
      token,
      body: {
        name: 'n',
        webhook: {
          url: receiver.url,
          secret: receiver.secret,
          filter: { argocdInstanceNames: Array.from({ length: 50_000 }, (_, i) => `a${i}`) },
        },
      },
    });
    expect([413, 422]).toContain(big.status);
    await big.body?.cancel();
    console.log(`webhook fuzz: ${stats.cases} cases, ${stats.serverErrors} server errors`);
    expect(stats.serverErrors).toBe(0);
  }, 300_000);
});
