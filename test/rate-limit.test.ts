import { describe, expect, it } from 'vitest';
import { call, createKey, createOrg, expectProblem } from './helpers/api';

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
});
