// The log-stream configuration API (docs/STREAMS.md, "API"): CRUD per type, strict bodies, secrets,
// isolation, and the test batch against the real local receivers.
import { env } from 'cloudflare:workers';
import { AwsClient } from 'aws4fetch';
import { describe, expect, it } from 'vitest';
import type { AuditLogPage } from '../worker/contract/index.ts';
import type { LogStream, LogStreamDelivery, LogStreamTestResult } from '../worker/contract/log-streams.ts';
import { decryptSecret } from '../worker/webhooks/secret-box.ts';
import { call, createKey, createOrg, expectProblem, json, type TestOrg, unique } from './helpers/api.ts';
import { createStream, streamBodies, streamsPath } from './helpers/log-streams.ts';
import { ocsfProblems, ocsfSchemaVersion } from './helpers/ocsf-validator.ts';
import { eventsD1 } from './helpers/shards.ts';
import { type DatadogLog, gunzip, type HecLog, log } from './helpers/stream-events.ts';
import { hook, received } from './helpers/webhooks.ts';
import { S3_BUCKET, S3_KEY, S3_REGION } from './setup/stream-credentials.ts';

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
        active: false,
        state: 'inactive',
        hasSecret: true,
        failingSince: null,
        filter: { events: ['audit'], filterArgocdInstanceNames: false, argocdInstanceNames: [] },
      });
      expect(created.settings).not.toHaveProperty(SECRET_FIELDS[type]);
      // A new stream starts after the organization's last event (docs/STREAMS.md, "Where a stream starts").
      expect(created.deliveredThroughSequence).toBeGreaterThan(0);
      expect(created.lagEvents).toBe(0);

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
      expect(updated.deliveredThroughSequence).toBe(created.deliveredThroughSequence);
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

describe('log streams API: the test batch against the real receivers', () => {
  it('https: the webhook receiver gets one signed NDJSON batch with the extra header, and a wrong secret does not verify', async () => {
    const org = await createOrg('ls-https-test');
    const receiver = await hook();
    const stream = await createStream(org, streamBodies(receiver).https);
    const answer = await testBatch(org, stream.id);
    expect(answer).toMatchObject({ ok: true, status: 200, error: '' });
    const [request] = await received(receiver.name);
    expect(request?.headers).toMatchObject({ 'x-audit-event': 'AUDIT_LOG_STREAM_BATCH', 'x-tenant': 'acme', 'x-audit-event-count': '1' });
    const line = JSON.parse(String(request?.body).trim()) as { organizationId: string; sequence: number; object: { type: string } };
    expect(line).toMatchObject({ organizationId: org.orgId, sequence: 0, object: { type: 'audit_log_stream' } });

    expect(request?.signatureValid).toBe(true);

    // The receiver records whether the signature verifies: under another secret it does not.
    const wrong = await createStream(org, { ...streamBodies(receiver).https, secret: 'not-the-receivers-secret-0123' });
    await testBatch(org, wrong.id);
    expect((await received(receiver.name)).map((entry) => entry.signatureValid)).toEqual([true, false]);
  });

  it('splunk_hec: Success with the right token, 403 "Invalid token" with a wrong one', async () => {
    const org = await createOrg('ls-hec-test');
    const receiver = await hook();
    const good = await createStream(org, streamBodies(receiver).splunk_hec);
    expect(await testBatch(org, good.id)).toMatchObject({ ok: true, status: 200, body: '{"text":"Success","code":0}' });
    const mine = (await log<HecLog>(env.SPLUNK_HEC_RECEIVER))
      .flatMap((entry) => entry.envelopes)
      .filter((e) => e.event.organizationId === org.orgId);
    expect(mine).toHaveLength(1);
    const bad = await createStream(org, { ...streamBodies(receiver).splunk_hec, token: 'wrong-token' });
    const answer = await testBatch(org, bad.id);
    expect(answer).toMatchObject({ ok: false, status: 403, error: 'HTTP 403' });
    expect(JSON.parse(answer.body)).toEqual({ text: 'Invalid token', code: 4 });
  });

  it('datadog: 202 with the right key, 403 with a wrong one', async () => {
    const org = await createOrg('ls-dd-test');
    const receiver = await hook();
    const good = await createStream(org, streamBodies(receiver).datadog);
    expect(await testBatch(org, good.id)).toMatchObject({ ok: true, status: 202 });
    const mine = (await log<DatadogLog>(env.DATADOG_RECEIVER))
      .flatMap((entry) => entry.entries)
      .filter((entry) => (JSON.parse(entry.message) as { organizationId: string }).organizationId === org.orgId);
    expect(mine).toHaveLength(1);
    const bad = await createStream(org, { ...streamBodies(receiver).datadog, apiKey: 'wrong-key' });
    expect(await testBatch(org, bad.id)).toMatchObject({ ok: false, status: 403 });
  });

  it('s3: the signed PUT is stored (read back), and a wrong secret access key is refused by the Signature V4 gate', async () => {
    const org = await createOrg('ls-s3-test');
    const receiver = await hook();
    const good = await createStream(org, streamBodies(receiver).s3);
    expect(await testBatch(org, good.id)).toMatchObject({ ok: true, status: 200 });
    const client = new AwsClient({ ...S3_KEY, service: 's3', region: S3_REGION });
    const listing = await (await client.fetch(`${env.S3_RECEIVER}/${S3_BUCKET}?list-type=2&prefix=streams/test/${org.orgId}/`)).text();
    const key = /<Key>([^<]+)<\/Key>/.exec(listing)?.[1] ?? '';
    expect(key).toMatch(new RegExp(`^streams/test/${org.orgId}/\\d{4}/\\d{2}/\\d{2}/\\d{2}/0-0\\.ndjson\\.gz$`));
    const object = await client.fetch(`${env.S3_RECEIVER}/${S3_BUCKET}/${key}`);
    const line = JSON.parse((await gunzip(await object.arrayBuffer())).trim()) as { organizationId: string; action: string };
    expect(line).toMatchObject({ organizationId: org.orgId, action: 'test' });
    const bad = await createStream(org, { ...streamBodies(receiver).s3, secretAccessKey: 'wrong-secret-access-key-000000000000000' });
    const refused = await testBatch(org, bad.id);
    expect(refused).toMatchObject({ ok: false, status: 403 });
    expect(refused.body).toContain('SignatureDoesNotMatch');
  });

  it('format ocsf: the test batch carries the OCSF object through the real encoder (HEC envelope, https NDJSON line)', async () => {
    const org = await createOrg('ls-ocsf-test');
    const receiver = await hook();
    const hec = await createStream(org, { ...streamBodies(receiver).splunk_hec, format: 'ocsf' });
    expect(await testBatch(org, hec.id)).toMatchObject({ ok: true, status: 200 });
    const [envelope] = (await log<HecLog>(env.SPLUNK_HEC_RECEIVER))
      .flatMap((entry) => entry.envelopes)
      .filter((e) => JSON.stringify(e.event).includes(org.orgId));
    expect(envelope?.event).toMatchObject({ class_uid: 6003, metadata: { version: ocsfSchemaVersion } });
    expect(ocsfProblems(envelope?.event)).toEqual([]);
    const https = await createStream(org, { ...streamBodies(receiver).https, name: 'ocsf-https', format: 'ocsf' });
    await testBatch(org, https.id);
    const [request] = await received(receiver.name);
    expect(JSON.parse(String(request?.body).trim())).toMatchObject({ class_uid: 6003, api: { operation: 'test' } });
    expect(request?.signatureValid).toBe(true);
  });

  it('a destination that does not answer is a 200 describing the failure, never a 500; a redirect is not followed', async () => {
    const org = await createOrg('ls-down');
    const receiver = await hook({ behaviour: { kind: 'status', status: 302, location: 'https://elsewhere.example.com/' } });
    const down = await createStream(org, { ...streamBodies(receiver).splunk_hec, url: 'http://127.0.0.1:9/services/collector/event' });
    const answer = await testBatch(org, down.id);
    expect(answer).toMatchObject({ ok: false, status: 0 });
    expect(answer.error).toMatch(/^network error/);
    expect(answer.ms).toBeGreaterThanOrEqual(0);
    const redirecting = await createStream(org, streamBodies(receiver).https);
    const redirected = await testBatch(org, redirecting.id);
    expect(redirected).toMatchObject({
      ok: false,
      status: 302,
      error: 'redirects are not followed (Location: https://elsewhere.example.com/)',
    });
    expect(await received(receiver.name)).toHaveLength(1);
  });
  it('settings stored under an older rule that the encoder refuses: a 200 saying "not sent", nothing sent', async () => {
    const org = await createOrg('ls-stale');
    const receiver = await hook();
    const stream = await createStream(org, streamBodies(receiver).https);
    const stale = JSON.stringify({ url: receiver.url, headers: { authorization: 'Bearer x' } });
    await env.DB.prepare('UPDATE log_streams SET settings_json = ? WHERE id = ?').bind(stale, stream.id).run();
    const answer = await testBatch(org, stream.id);
    expect(answer).toMatchObject({ ok: false, status: 0, error: expect.stringMatching(/^not sent: https stream headers: authorization/) });
    expect(await received(receiver.name)).toEqual([]);
  });
});

describe('log streams API: who may, and whose', () => {
  it("answers 404 for another organization's stream id, on every route, and changes nothing", async () => {
    const [mine, other] = [await createOrg('ls-mine'), await createOrg('ls-other')];
    const receiver = await hook();
    const theirs = await createStream(other, streamBodies(receiver).https);
    const path = `${streamsPath(mine)}/${theirs.id}`;
    const { secret: _, ...put } = streamBodies(receiver).https;
    for (const [method, suffix, body] of [
      ['GET', '', undefined],
      ['PUT', '', put],
      ['DELETE', '', undefined],
      ['POST', '/test', undefined],
      ['GET', '/deliveries', undefined],
    ] as const) {
      await expectProblem(await call(`${path}${suffix}`, { method, token: mine.ownerKey, body }), 404);
    }
    expect(await received(receiver.name)).toEqual([]);
    expect((await row(theirs.id))?.deleted_at).toBeNull();
  });

  it('answers 403 to admins, auditors and members of the organization', async () => {
    const org = await createOrg('ls-roles');
    const receiver = await hook();
    const stream = await createStream(org, streamBodies(receiver).https);
    for (const role of ['admin', 'auditor', 'member'] as const) {
      const key = await createKey(org, role);
      await expectProblem(await call(streamsPath(org), { token: key.secret }), 403);
      await expectProblem(await call(`${streamsPath(org)}/${stream.id}/test`, { method: 'POST', token: key.secret }), 403);
    }
  });

  it('records each test batch in the delivery history, newest first, paged', async () => {
    const org = await createOrg('ls-deliveries', { shard: 'SHARD_2' });
    const receiver = await hook();
    const stream = await createStream(org, streamBodies(receiver).splunk_hec);
    const deliveries = async (query = '') =>
      json<{ deliveries: LogStreamDelivery[]; totalCount: number }>(
        await call(`${streamsPath(org)}/${stream.id}/deliveries${query}`, { token: org.ownerKey }),
        200,
      );
    expect(await deliveries()).toEqual({ deliveries: [], totalCount: 0 });
    await testBatch(org, stream.id);
    const { token: _, ...body } = streamBodies(receiver, stream.name).splunk_hec;
    await call(`${streamsPath(org)}/${stream.id}`, { method: 'PUT', token: org.ownerKey, body: { ...body, token: 'wrong-token' } });
    await testBatch(org, stream.id);
    const page = await deliveries();
    expect(page.totalCount).toBe(2);
    expect(page.deliveries.map((d) => [d.kind, d.ok, d.status, d.eventCount, d.firstSequence])).toEqual([
      ['test', false, 403, 1, 0],
      ['test', true, 200, 1, 0],
    ]);
    expect(page.deliveries[0]?.bytes).toBeGreaterThan(100);
    expect(page.deliveries[1]?.body).toBe('{"text":"Success","code":0}');
    const second = await deliveries('?limit=1&offset=1');
    expect(second.deliveries.map((d) => d.id)).toEqual([page.deliveries[1]?.id]);
    expect(second.totalCount).toBe(2);
    // Stored in the organization's shard, not the main database.
    const stored = await (await eventsD1(org.orgId))
      .prepare('SELECT count(*) AS n FROM log_stream_deliveries WHERE stream_id = ?')
      .bind(stream.id)
      .first<{ n: number }>();
    expect(stored?.n).toBe(2);
    await expectProblem(await call(`${streamsPath(org)}/${stream.id}/deliveries?limit=0`, { token: org.ownerKey }), 400);
  });
});
