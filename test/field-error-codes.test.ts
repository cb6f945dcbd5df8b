import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { UNKNOWN_FIELD, zodFieldErrors } from '../worker/contract/problem.ts';
import { call, createOrg, expectProblem } from './helpers/api.ts';
import { webhookPath } from './helpers/webhooks.ts';

/**
 * A 422's field problems say what kind of problem each is (`code`, with `minimum` / `maximum` /
 * `format`), so a client can word it for people (docs/API.md, "Errors"); the Worker's own
 * sentences carry no code. Additive: `pointer` and `detail` are as before.
 */
describe('field problems: code and limits', () => {
  it('a missing webhook secret is "required"; a short one is "too_small" with its minimum; nothing is stored', async () => {
    const org = await createOrg('codes');
    const post = (webhook: Record<string, unknown>) =>
      call(webhookPath(org), { method: 'POST', token: org.ownerKey, body: { name: 'Codes', webhook } });
    const missing = await expectProblem(await post({ url: 'https://siem.example.com/hook' }), 422);
    expect(missing.errors).toEqual([{ pointer: 'webhook/secret', detail: expect.any(String), code: 'required' }]);
    const short = await expectProblem(await post({ url: 'https://siem.example.com/hook', secret: 'short' }), 422);
    expect(short.errors).toEqual([{ pointer: 'webhook/secret', detail: expect.any(String), code: 'too_small', minimum: 16 }]);
    const wrongType = await expectProblem(await post({ url: 'https://siem.example.com/hook', secret: 1234567890123456 }), 422);
    expect(wrongType.errors?.[0]).toMatchObject({ pointer: 'webhook/secret', code: 'invalid_type' });
    // The service's own sentence (a private address) has no code: its detail is the whole story.
    const refused = await expectProblem(await post({ url: 'https://10.0.0.1/hook', secret: 'x'.repeat(16) }), 422);
    expect(refused.errors).toEqual([{ pointer: 'webhook/url', detail: expect.stringMatching(/private address/) }]);
    const list = await call(webhookPath(org), { token: org.ownerKey });
    expect(((await list.json()) as { notificationConfigs: unknown[] }).notificationConfigs).toEqual([]);
  });

  it('an email that is not one is "invalid_format" with format "email"; a number out of range has its limit', async () => {
    const org = await createOrg('codes-members');
    const member = await expectProblem(
      await call(`/api/v1/organizations/${org.orgId}/members`, {
        method: 'POST',
        token: org.ownerKey,
        body: { email: 'not-an-email', name: '', role: 'member' },
      }),
      422,
    );
    expect(member.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ pointer: 'email', code: 'invalid_format', format: 'email' }),
        expect.objectContaining({ pointer: 'name', code: 'too_small', minimum: 1 }),
      ]),
    );
    const settings = await expectProblem(
      await call(`/api/v1/organizations/${org.orgId}/audit-log-settings`, {
        method: 'PATCH',
        token: org.ownerKey,
        body: { hotRetentionDays: 100_000 },
      }),
      422,
    );
    expect(settings.errors).toEqual([
      expect.objectContaining({ pointer: 'hotRetentionDays', code: 'too_big', maximum: expect.any(Number) }),
    ]);
  });

  it('zodFieldErrors: required only where the value is missing, unknown fields unchanged, no input no "required"', () => {
    const schema = z.strictObject({ a: z.string(), b: z.object({ c: z.number() }), d: z.enum(['x', 'y']) });
    const input = { a: 1, b: {}, d: 'z', e: true };
    const result = schema.safeParse(input);
    if (result.success) throw new Error('the input is wrong on purpose');
    const errors = zodFieldErrors(result.error, '', input);
    expect(errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ pointer: 'a', code: 'invalid_type' }),
        expect.objectContaining({ pointer: 'b/c', code: 'required' }),
        expect.objectContaining({ pointer: 'd', code: 'invalid_value' }),
        { pointer: 'e', detail: UNKNOWN_FIELD },
      ]),
    );
    // Without the input nothing is called missing (the caller could not say).
    expect(zodFieldErrors(result.error).find((error) => error.pointer === 'b/c')?.code).toBe('invalid_type');
  });
});
