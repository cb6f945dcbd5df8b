import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../worker/contract/index.ts';
import { call, createInstance, createOrg, expectProblem, json, type TestOrg } from './helpers/api.ts';
import { countRows, makeEvent, storedEvents } from './helpers/events.ts';
import { hook, webhookPath } from './helpers/webhooks.ts';

/**
 * Every JSON body of the API is read once, by the router (middleware/json-body.ts): bytes that are
 * not UTF-8, numbers a double cannot hold and lone surrogates are a 422, never stored altered.
 */
const encoder = new TextEncoder();
/** JSON text with raw bytes spliced in where `@@` stands (the bytes a hostile client would send). */
function withBytes(text: string, bytes: number[]): Uint8Array {
  const [before = '', after = ''] = text.split('@@');
  return new Uint8Array([...encoder.encode(before), ...bytes, ...encoder.encode(after)]);
}
const ingestPath = (org: TestOrg) => `/api/v1/organizations/${org.orgId}/audit-logs`;
const ingest = (org: TestOrg, body: unknown) => call(ingestPath(org), { method: 'POST', token: org.ownerKey, body });
/** An event whose details carry `literal` as written, e.g. `1e400`. */
const withNumber = (literal: string, index = 0) =>
  `${JSON.stringify(makeEvent(index)).slice(0, -1)},"details":{"message":"m","n":${literal}}}`;

/** Sends an ingest body and expects a 422 that names `pointer` and stored nothing. */
async function expectNothingStored(org: TestOrg, body: string | Uint8Array, pointer: string | null, detail: RegExp) {
  const before = await storedEvents(org.orgId);
  const problem = await expectProblem(await ingest(org, body), 422);
  const errors = problem.errors ?? [];
  if (pointer !== null) expect(errors.map((error) => error.pointer)).toContain(pointer);
  expect(`${problem.detail} ${errors.map((error) => error.detail).join(' ')}`).toMatch(detail);
  expect(await storedEvents(org.orgId)).toEqual(before);
  return problem;
}

describe('JSON bodies: UTF-8', () => {
  it('refuses an event whose bytes are not UTF-8 (422, nothing stored), wherever the bytes are', async () => {
    const org = await createOrg('utf8');
    const event = JSON.stringify(makeEvent(0, { action: '@@' }));
    const cases: [string, number[]][] = [
      ['invalid bytes (the issue: "p\\xff\\xfe")', [0x70, 0xff, 0xfe]],
      ['a lone continuation byte', [0x80]],
      ['an overlong "/"', [0xc0, 0xaf]],
      ['an encoded surrogate (CESU-8)', [0xed, 0xa0, 0x80]],
      ['a sequence cut short', [0xe2, 0x82]],
      ['beyond U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
    ];
    for (const [label, bytes] of cases) {
      const problem = await expectNothingStored(org, withBytes(event, bytes), '', /not valid UTF-8/);
      expect(problem.detail, label).toMatch(/byte \d+/);
    }
    // In a batch, in a key, and cut short at the very end of the body.
    const batch = `{"items":[${JSON.stringify(makeEvent(1))},${JSON.stringify(makeEvent(2, { details: { message: '@@' } }))}]}`;
    await expectNothingStored(org, withBytes(batch, [0xfe]), '', /not valid UTF-8/);
    const key = JSON.stringify(makeEvent(3, { details: { message: 'x', '@@': 1 } }));
    await expectNothingStored(org, withBytes(key, [0xff]), '', /not valid UTF-8/);
    await expectNothingStored(org, withBytes(`${JSON.stringify(makeEvent(4))} @@`, [0xf0, 0x9f]), '', /not valid UTF-8/);
  });

  it('names the byte where the text stops being UTF-8', async () => {
    const org = await createOrg('utf8-offset');
    const problem = await expectProblem(await ingest(org, withBytes('{"action":"p@@"}', [0xff])), 422);
    // {"action":"p is 12 bytes: the 0xff is byte 12 (counting from 0).
    expect(problem.detail).toMatch(/byte 12\b/);
  });

  it('stores valid UTF-8 exactly, multi-byte characters and a byte-order mark included', async () => {
    const org = await createOrg('utf8-ok');
    const message = 'é ß 中文 🚀 \u2028';
    const created = await json<{ ids: string[] }>(
      await ingest(org, withBytes(JSON.stringify(makeEvent(0, { details: { message } })), [])),
      201,
    );
    const bom = withBytes(JSON.stringify(makeEvent(1, { details: { message: 'bom' } })), []);
    await json(await ingest(org, new Uint8Array([0xef, 0xbb, 0xbf, ...bom])), 201);
    const page = await json<{ items: AuditEvent[] }>(await call(`${ingestPath(org)}?filters.limit=10`, { token: org.ownerKey }), 200);
    expect(page.items.find((item) => item.id === created.ids[0])?.details?.message).toBe(message);
  });

  it('refuses bytes that are not UTF-8 on management, settings, webhook and extension routes', async () => {
    const org = await createOrg('utf8-routes');
    const instances = await countRows('instances');
    const instance = withBytes('{"type":"argocd","name":"a@@b"}', [0xff]);
    await expectProblem(
      await call(`/api/v1/organizations/${org.orgId}/instances`, { method: 'POST', token: org.ownerKey, body: instance }),
      422,
    );
    expect(await countRows('instances')).toBe(instances);
    const keys = await countRows('api_keys');
    const key = withBytes('{"name":"k@@","role":"auditor"}', [0xc3]);
    const problem = await expectProblem(
      await call(`/api/v1/organizations/${org.orgId}/api-keys`, { method: 'POST', token: org.ownerKey, body: key }),
      422,
    );
    expect(problem.detail).toMatch(/not valid UTF-8/);
    expect(await countRows('api_keys')).toBe(keys);

    const settings = `/api/v1/organizations/${org.orgId}/audit-log-settings`;
    const before = await json<unknown>(await call(settings, { token: org.ownerKey }), 200);
    await expectProblem(
      await call(settings, { method: 'PATCH', token: org.ownerKey, body: withBytes('{"hotRetentionDays":30@@}', [0xa0]) }),
      422,
    );
    expect(await json<unknown>(await call(settings, { token: org.ownerKey }), 200)).toEqual(before);

    const receiver = await hook();
    const webhook = withBytes(
      `{"name":"n@@","webhook":{"url":${JSON.stringify(receiver.url)},"secret":"${receiver.secret}"}}`,
      [0xff, 0xfe],
    );
    const refused = await expectProblem(await call(webhookPath(org), { method: 'POST', token: org.ownerKey, body: webhook }), 422);
    expect(refused.detail).toMatch(/not valid UTF-8/);
    const configs = await json<{ notificationConfigs: unknown[] }>(await call(webhookPath(org), { token: org.ownerKey }), 200);
    expect(configs.notificationConfigs).toEqual([]);

    const argo = await createInstance(org, 'argocd');
    const extension = withBytes(`{"instanceId":"${argo.id}","filters":{"actorId":["@@"]}}`, [0xff]);
    const records = await call('/ext-api/v1/argocd/extensions/audit-records', {
      method: 'POST',
      body: extension,
      headers: { authorization: `Bearer ${org.ownerKey}` },
    });
    expect((await expectProblem(records, 422)).detail).toMatch(/not valid UTF-8/);
  });

  it('answers a caller without access before reading the body (403, not 422)', async () => {
    const [org, stranger] = [await createOrg('utf8-owner'), await createOrg('utf8-stranger')];
    const body = withBytes('{"type":"argocd","name":"a@@"}', [0xff]);
    await expectProblem(
      await call(`/api/v1/organizations/${org.orgId}/instances`, { method: 'POST', token: stranger.ownerKey, body }),
      403,
    );
  });
});

describe('JSON bodies: numbers a double cannot hold', () => {
  it('refuses numbers that overflow a double (1e400 would be stored as null), naming the field', async () => {
    const org = await createOrg('overflow');
    for (const literal of ['1e400', '-1e400', '1E+309', '2e308', '-17976931348623159e292', `1${'0'.repeat(400)}`]) {
      await expectNothingStored(org, withNumber(literal), 'details/n', /too large for a double/);
    }
    const batch = `{"items":[${withNumber('1')},${withNumber('1e400', 1)}]}`;
    await expectNothingStored(org, batch, 'items/1/details/n', /too large for a double/);
    const inArray = `${JSON.stringify(makeEvent(2)).slice(0, -1)},"details":{"message":"m","list":[1,[2,-1e999]]}}`;
    await expectNothingStored(org, inArray, 'details/list/1/1', /too large for a double/);
  });

  it('refuses non-zero numbers that underflow to 0, and keeps zeros and the extremes a double holds', async () => {
    const org = await createOrg('underflow');
    for (const literal of ['1e-400', '-1e-400', '2.4e-324', `0.${'0'.repeat(400)}1`, '123e-999']) {
      await expectNothingStored(org, withNumber(literal), 'details/n', /so small that it would be stored as 0/);
    }
    const kept: [string, number][] = [
      ['0', 0],
      ['0e400', 0],
      ['0.000e-999', 0],
      ['5e-324', 5e-324],
      ['2.5e-324', 5e-324],
      ['1.7976931348623157e308', Number.MAX_VALUE],
      ['-1.7976931348623157e308', -Number.MAX_VALUE],
      ['12345678901234567890', 12345678901234567000],
    ];
    for (const [index, [literal, stored]] of kept.entries()) {
      const created = await json<{ ids: string[] }>(await ingest(org, withNumber(literal, index)), 201);
      const page = await json<{ items: AuditEvent[] }>(await call(`${ingestPath(org)}?filters.limit=100`, { token: org.ownerKey }), 200);
      expect(page.items.find((item) => item.id === created.ids[0])?.details?.n, literal).toBe(stored);
    }
  });

  it('answers a body nested thousands deep whose text looks like it may underflow with a 422, never a 500', async () => {
    // The underflow check parses again with a reviver, which the engine recurses through more
    // deeply than a plain parse: a 5,000-deep array passed the first parse and overflowed the stack
    // of the second whenever any string held a digit before "e-" (found by test/fuzz-bad-input.test.ts).
    const org = await createOrg('deep-underflow');
    const deep = `${'['.repeat(5000)}${']'.repeat(5000)}`;
    for (const text of [
      `${JSON.stringify(makeEvent(0, { action: 'a3e-b' })).slice(0, -1)},"details":{"message":"m","deep":${deep}}}`,
      `${JSON.stringify(makeEvent(1)).slice(0, -1)},"details":{"message":"m","n":1e-400,"deep":${deep}}}`,
    ]) {
      await expectNothingStored(org, text, null, /nested/);
    }
    const settings = `/api/v1/organizations/${org.orgId}/audit-log-settings`;
    const response = await call(settings, { method: 'PATCH', token: org.ownerKey, body: `{"hotRetentionDays":90,"x":"1e-5","y":${deep}}` });
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
  });

  it('refuses overflowing numbers on the settings, webhook and extension routes, naming the field', async () => {
    const org = await createOrg('overflow-routes');
    const settings = `/api/v1/organizations/${org.orgId}/audit-log-settings`;
    const problem = await expectProblem(
      await call(settings, { method: 'PATCH', token: org.ownerKey, body: '{"hotRetentionDays":1e400}' }),
      422,
    );
    expect(problem.errors).toEqual([{ pointer: 'hotRetentionDays', detail: expect.stringMatching(/too large for a double/) }]);
    const receiver = await hook();
    const webhook = `{"name":"n","webhook":{"url":${JSON.stringify(receiver.url)},"secret":"${receiver.secret}","active":-1e400}}`;
    const refused = await expectProblem(await call(webhookPath(org), { method: 'POST', token: org.ownerKey, body: webhook }), 422);
    expect(refused.errors?.map((error) => error.pointer)).toEqual(['webhook/active']);
    const argo = await createInstance(org, 'argocd');
    const records = await call('/ext-api/v1/argocd/extensions/audit-records', {
      method: 'POST',
      body: `{"instanceId":"${argo.id}","filters":{"limit":1e-400}}`,
      headers: { authorization: `Bearer ${org.ownerKey}` },
    });
    expect((await expectProblem(records, 422)).errors?.map((error) => error.pointer)).toEqual(['filters/limit']);
  });
});

describe('JSON bodies: lone surrogates', () => {
  it('refuses lone surrogates in any body, not only events (they would be stored as U+FFFD)', async () => {
    const org = await createOrg('surrogate-routes');
    const keys = await countRows('api_keys');
    const key = await call(`/api/v1/organizations/${org.orgId}/api-keys`, {
      method: 'POST',
      token: org.ownerKey,
      body: '{"name":"key \\ud800","role":"auditor"}',
    });
    expect((await expectProblem(key, 422)).errors).toEqual([{ pointer: 'name', detail: expect.stringMatching(/lone UTF-16 surrogate/) }]);
    expect(await countRows('api_keys')).toBe(keys);
    const member = await call(`/api/v1/organizations/${org.orgId}/members`, {
      method: 'POST',
      token: org.ownerKey,
      body: '{"email":"x@example.com","name":"\\udc00 x","role":"auditor"}',
    });
    expect((await expectProblem(member, 422)).errors?.map((error) => error.pointer)).toEqual(['name']);
  });
});
