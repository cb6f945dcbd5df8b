// The log-stream configuration API (docs/STREAMS.md, "API"): CRUD per type, strict bodies, secrets,
// isolation, and the test batch against the real local receivers.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { AuditLogPage } from '../worker/contract/index.ts';
import type { LogStream, LogStreamTestResult } from '../worker/contract/log-streams.ts';
import { decryptSecret } from '../worker/webhooks/secret-box.ts';
import { call, createKey, createOrg, expectProblem, json, type TestOrg, unique } from './helpers/api.ts';
import { createStream, streamBodies, streamsPath } from './helpers/log-streams.ts';
import { type DatadogLog, gunzip, type HecLog, HOSTILE, log } from './helpers/stream-events.ts';
import { hook, received } from './helpers/webhooks.ts';

const SECRET_FIELDS = { https: 'secret', splunk_hec: 'token', datadog: 'apiKey', s3: 'secretAccessKey' } as const;
type Type = keyof typeof SECRET_FIELDS;
const TYPES = Object.keys(SECRET_FIELDS) as Type[];

const row = (id: string) => env.DB.prepare('SELECT * FROM log_streams WHERE id = ?').bind(id).first<Record<string, unknown>>();

async function streamEvents(org: TestOrg) {
  const page = await json<AuditLogPage>(
    await call(`/api/v1/organizations/${org.orgId}/audit-logs?filters.objectType=audit_log_stream&filters.limit=100`, {
      token: org.ownerKey,
    }),
    200,
  );
  return page.items;
}

const testBatch = async (org: TestOrg, id: string) =>
  json<LogStreamTestResult>(await call(`${streamsPath(org)}/${id}/test`, { method: 'POST', token: org.ownerKey }), 200);

describe('log streams API: CRUD per type', () => {
  for (const type of TYPES) {
    it(`${type}: creates, reads, lists, replaces keeping the secret, deletes; never returns the secret, stores it encrypted`, async () => {
      const org = await createOrg(`ls-${type}`, { shard: 'SHARD_1' });
      const receiver = await hook();
      const body = streamBodies(receiver)[type];
      const secret = (body as Record<string, unknown>)[SECRET_FIELDS[type]] as string;
      const response = await call(streamsPath(org), { method: 'POST', token: org.ownerKey, body });
      const created = (await json<{ stream: LogStream }>(response.clone(), 201)).stream;
      expect(created).toMatchObject({
        id: expect.stringMatching(/^lst_/),
        name: body.name,
        type,
        format: 'native',
        active: true,
        state: 'active',
        hasSecret: true,
        failingSince: null,
        deliveredThroughSequence: 0,
        filter: { events: ['audit'], filterArgocdInstanceNames: false, argocdInstanceNames: [] },
      });
      expect(created.settings).not.toHaveProperty(SECRET_FIELDS[type]);
      expect(created.lagEvents).toBeGreaterThanOrEqual(0);

      const got = await call(`${streamsPath(org)}/${created.id}`, { token: org.ownerKey });
      const listed = await call(streamsPath(org), { token: org.ownerKey });
      const gotText = await got.clone().text();
      // The lag counts the stream's own creation event, stored right after the answer.
      expect((await json<{ stream: LogStream }>(got, 200)).stream).toEqual({ ...created, lagEvents: created.lagEvents + 1 });
      const listText = await listed.text();
      expect((JSON.parse(listText) as { streams: LogStream[] }).streams.map((s) => s.id)).toEqual([created.id]);
      for (const text of [await response.text(), gotText, listText, JSON.stringify(await streamEvents(org))])
        expect(text).not.toContain(secret);

      const stored = await row(created.id);
      expect(String(stored?.secret_ciphertext)).toMatch(/^v1\.[\w-]+\.[\w-]+$/);
      expect(JSON.stringify(stored)).not.toContain(secret);
      expect(await decryptSecret(env.WEBHOOK_SECRET_KEY, created.id, String(stored?.secret_ciphertext))).toBe(secret);
      // Bound to the stream: the ciphertext does not open under another id.
      await expect(decryptSecret(env.WEBHOOK_SECRET_KEY, 'lst_other', String(stored?.secret_ciphertext))).rejects.toThrow();

      // PUT without the secret keeps it; the test batch still authenticates.
      const { [SECRET_FIELDS[type]]: _, ...withoutSecret } = body as Record<string, unknown>;
      const renamed = unique('renamed');
      const put = await call(`${streamsPath(org)}/${created.id}`, {
        method: 'PUT',
        token: org.ownerKey,
        body: { ...withoutSecret, name: renamed, active: false },
      });
      const updated = (await json<{ stream: LogStream }>(put, 200)).stream;
      expect(updated).toMatchObject({ name: renamed, active: false, state: 'inactive', hasSecret: true });
      expect(String((await row(created.id))?.secret_ciphertext)).toBe(String(stored?.secret_ciphertext));
      const answer = await testBatch(org, created.id);
      expect(answer, JSON.stringify(answer)).toMatchObject({ ok: true, error: '' });

      expect((await call(`${streamsPath(org)}/${created.id}`, { method: 'DELETE', token: org.ownerKey })).status).toBe(204);
      await expectProblem(await call(`${streamsPath(org)}/${created.id}`, { token: org.ownerKey }), 404);
      expect((await row(created.id))?.deleted_at).not.toBeNull();
      // The name is free again once the stream is deleted.
      await createStream(org, { ...body, name: renamed });

      const events = await streamEvents(org);
      expect(events.map((event) => event.action).sort()).toEqual(['create', 'create', 'delete', 'update']);
      expect(events.every((event) => event.object.type === 'audit_log_stream')).toBe(true);
    });
  }

  it("refuses a second stream of the same name (409) and a PUT onto another stream's name", async () => {
    const org = await createOrg('ls-names');
    const receiver = await hook();
    const first = await createStream(org, streamBodies(receiver, 'Splunk').splunk_hec);
    await expectProblem(
      await call(streamsPath(org), { method: 'POST', token: org.ownerKey, body: streamBodies(receiver, 'Splunk').s3 }),
      409,
    );
    const second = await createStream(org, streamBodies(receiver, 'Bucket').s3);
    const { secretAccessKey: _, ...body } = streamBodies(receiver, 'Splunk').s3;
    await expectProblem(await call(`${streamsPath(org)}/${second.id}`, { method: 'PUT', token: org.ownerKey, body }), 409);
    expect(first.name).toBe('Splunk');
  });

  it("a PUT that changes the type needs the new type's secret", async () => {
    const org = await createOrg('ls-type');
    const receiver = await hook();
    const stream = await createStream(org, streamBodies(receiver).splunk_hec);
    const { apiKey: _, ...datadog } = streamBodies(receiver, stream.name).datadog;
    const problem = await expectProblem(
      await call(`${streamsPath(org)}/${stream.id}`, { method: 'PUT', token: org.ownerKey, body: datadog }),
      422,
    );
    expect(problem.errors?.[0]?.pointer).toBe('apiKey');
    const changed = await call(`${streamsPath(org)}/${stream.id}`, {
      method: 'PUT',
      token: org.ownerKey,
      body: streamBodies(receiver, stream.name).datadog,
    });
    expect((await json<{ stream: LogStream }>(changed, 200)).stream).toMatchObject({
      type: 'datadog',
      settings: { url: expect.any(String) },
    });
    expect((await testBatch(org, stream.id)).status).toBe(202);
  });
});
