import { describe, expect, it } from 'vitest';
import { call, createKey, createOrg, expectProblem } from './helpers/api.ts';

describe('rate limiting', () => {
  it('answers a credential over its budget with a 429 problem and Retry-After, without touching other credentials', async () => {
    const org = await createOrg('rate');
    const busy = await createKey(org, 'member');
    // This test project's budget is 100 requests per 10-second window (vitest.config.ts; production:
    // 1000, wrangler.toml); two windows' worth guarantees crossing one.
    let limited: Response | null = null;
    for (let sent = 0; sent < 210 && !limited; sent += 10) {
      const responses = await Promise.all(Array.from({ length: 10 }, () => call('/api/v1/me', { token: busy.secret })));
      limited = responses.find((response) => response.status === 429) ?? null;
      await Promise.all(responses.filter((response) => response !== limited).map((response) => response.body?.cancel()));
    }
    expect(limited).not.toBeNull();
    if (!limited) return;
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    const problem = await expectProblem(limited, 429);
    expect(problem.type).toBe('urn:problem:audit-logs:rate-limited');
    // Another key of the same organization still has its own budget.
    expect((await call('/api/v1/me', { token: org.ownerKey })).status).toBe(200);
  }, 60_000);

  it('throttles failed authentication by client address: bad keys and bad sign-ins end in 429', async () => {
    const address = { 'cf-connecting-ip': '198.51.100.99' };
    let limited: Response | null = null;
    for (let sent = 0; sent < 210 && !limited; sent += 10) {
      const responses = await Promise.all(
        Array.from({ length: 10 }, (_, index) =>
          index % 2 === 0
            ? call('/api/v1/me', { token: `alk_guess_${sent}_${index}`, headers: address })
            : call('/api/v1/auth/session', { method: 'POST', body: { apiKey: `alk_guess_${sent}_${index}` }, headers: address }),
        ),
      );
      expect(responses.every((response) => response.status === 401 || response.status === 429)).toBe(true);
      limited = responses.find((response) => response.status === 429) ?? null;
      await Promise.all(responses.filter((response) => response !== limited).map((response) => response.body?.cancel()));
    }
    expect(limited).not.toBeNull();
    if (limited) await expectProblem(limited, 429);
    // Another address is unaffected.
    await expectProblem(await call('/api/v1/me', { token: 'alk_other', headers: { 'cf-connecting-ip': '198.51.100.100' } }), 401);
  }, 60_000);

  it('gives each organization a free-text budget shared by all its keys: past it 429, while reads without free text and other organizations go on', async () => {
    const org = await createOrg('free-text-budget', { shard: 'SHARD_1' });
    const neighbour = await createOrg('free-text-neighbour', { shard: 'SHARD_1' });
    const keys = [org.ownerKey, (await createKey(org, 'auditor')).secret];
    const search = (token: string, organizationId = org.orgId, query = '?filters.q=deploy') =>
      call(`/api/v1/organizations/${organizationId}/audit-logs${query}`, { token });
    // 40 units per 10-second window (wrangler.toml), each free-text read at least one: two windows'
    // worth, alternating two keys, stays under either key's own budget of 100 requests.
    let limited: Response | null = null;
    for (let sent = 0; sent < 80 && !limited; sent += 10) {
      const responses = await Promise.all(Array.from({ length: 10 }, (_, index) => search(keys[index % 2] as string)));
      expect(responses.map((response) => response.status).filter((status) => status !== 200 && status !== 429)).toEqual([]);
      limited = responses.find((response) => response.status === 429) ?? null;
      await Promise.all(responses.filter((response) => response !== limited).map((response) => response.body?.cancel()));
    }
    expect(limited).not.toBeNull();
    if (!limited) return;
    expect(limited.headers.get('retry-after')).toBe('10');
    const problem = await expectProblem(limited, 429);
    expect(problem.type).toBe('urn:problem:audit-logs:rate-limited');
    expect(problem.detail).toContain('free-text search budget');
    // Not charged: the same organization's reads without free text, and the neighbour's free text.
    expect((await search(org.ownerKey, org.orgId, '')).status).toBe(200);
    expect((await search(org.ownerKey, org.orgId, '?filters.q=%20%20')).status).toBe(200);
    expect((await search(neighbour.ownerKey, neighbour.orgId)).status).toBe(200);
  }, 60_000);
});
