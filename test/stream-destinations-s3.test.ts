import { env } from 'cloudflare:workers';
import { AwsClient } from 'aws4fetch';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../worker/contract/audit-event.ts';
import { ndjsonLineBytes, STREAM_BATCH_LIMITS, splitBatches } from '../worker/streams/destinations/batch-splitter.ts';
import { checkExtraHeaders } from '../worker/streams/destinations/extra-headers.ts';
import { httpsRequest } from '../worker/streams/destinations/https.ts';
import { s3ArchiveRequest, s3BatchRequest } from '../worker/streams/destinations/s3.ts';
import { batchObjectKey, checkS3Prefix } from '../worker/streams/destinations/s3-key.ts';
import { event, events, gunzip, HOSTILE, orgId, send } from './helpers/stream-events.ts';
import { S3_BUCKET, S3_KEY, S3_REGION } from './setup/stream-credentials.ts';

interface ReceivedRequest {
  headers: Record<string, string>;
  body: string;
  signatureValid: boolean;
}

describe('https', () => {
  it('sends signed NDJSON that the webhook receiver verifies, hostile strings intact', async () => {
    const name = `stream-${crypto.randomUUID()}`;
    await fetch(`${env.WEBHOOK_RECEIVER}/_control/${name}`, {
      method: 'PUT',
      body: JSON.stringify({ secret: 's3cret', behaviour: { kind: 'ok' } }),
    });
    const org = orgId();
    const batch = [...events(org, 2), event(org, 3, HOSTILE)];
    const settings = { url: `${env.WEBHOOK_RECEIVER}/hooks/${name}`, secret: 's3cret', headers: { 'X-Tenant': 'acme' } };
    expect((await send(await httpsRequest(batch, settings, 'batch-1'))).status).toBe(200);
    expect((await send(await httpsRequest(batch, { ...settings, secret: 'other' }, 'batch-2'))).status).toBe(200);
    const received = (await (await fetch(`${env.WEBHOOK_RECEIVER}/_control/${name}`)).json()) as ReceivedRequest[];
    expect(received.map((request) => request.signatureValid)).toEqual([true, false]);
    const [first] = received;
    expect(first?.headers).toMatchObject({
      'content-type': 'application/x-ndjson',
      'x-tenant': 'acme',
      'x-audit-delivery': 'batch-1',
      'x-audit-first-sequence': '1',
      'x-audit-last-sequence': '3',
      'x-audit-event-count': '3',
    });
    const lines = first?.body.split('\n') ?? [];
    expect(lines.at(-1)).toBe('');
    expect(lines.slice(0, -1).map((line) => JSON.parse(line) as AuditEvent)).toEqual(batch);
  });

  it('refuses hop-by-hop, service-owned and credential headers, and bad values', () => {
    for (const name of [
      'Connection',
      'Transfer-Encoding',
      'Host',
      'Authorization',
      'X-Audit-Signature-256',
      'Content-Type',
      'Proxy-Foo',
      'bad name',
    ]) {
      expect(checkExtraHeaders({ [name]: 'x' }).ok, name).toBe(false);
    }
    for (const value of ['a\r\nInjected: 1', 'nul\u0000', '', 'é', 'x'.repeat(1025)])
      expect(checkExtraHeaders({ 'X-Ok': value }).ok).toBe(false);
    expect(checkExtraHeaders({ 'X-Tenant': 'acme corp' })).toEqual({ ok: true, headers: { 'x-tenant': 'acme corp' } });
  });
});

describe('s3', () => {
  const settings = {
    endpoint: env.S3_RECEIVER,
    region: S3_REGION,
    bucket: S3_BUCKET,
    prefix: "audit/stream(1)!x'*",
    accessKeyId: S3_KEY.accessKeyId,
    secretAccessKey: S3_KEY.secretAccessKey,
  };
  const client = new AwsClient({ ...S3_KEY, service: 's3', region: S3_REGION });

  it('puts one gzip NDJSON object per batch at the documented key, readable back', async () => {
    const org = orgId();
    const batch = [...events(org, 4, 7), event(org, 11, HOSTILE)];
    const request = await s3BatchRequest(batch, settings);
    expect(request.url).toBe(`${env.S3_RECEIVER}/${S3_BUCKET}/audit/stream(1)!x'*/${org}/2026/11/24/10/7-11.ndjson.gz`);
    expect(request.headers['x-amz-content-sha256']).toMatch(/^[0-9a-f]{64}$/);
    expect(request.headers.authorization).toContain('content-md5');
    const put = await send(request);
    expect(put.status, await put.text()).toBe(200);
    const got = await client.fetch(request.url);
    expect(got.status).toBe(200);
    const text = await gunzip(await got.arrayBuffer());
    expect(
      text
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line) as AuditEvent),
    ).toEqual(batch);
  });

  it('refuses a wrong secret, a tampered body, a wrong or missing Content-MD5, a wrong region', async () => {
    const request = await s3BatchRequest(events(orgId(), 2), settings);
    const wrongSecret = await send(await s3BatchRequest(events(orgId(), 2), { ...settings, secretAccessKey: 'wrong' }));
    expect([wrongSecret.status, await wrongSecret.text()]).toEqual([403, expect.stringContaining('SignatureDoesNotMatch')]);
    const tampered = request.body.slice();
    const last = tampered.length - 1;
    tampered[last] = (tampered[last] ?? 0) ^ 1;
    const badBody = await send({ ...request, body: tampered });
    expect([badBody.status, await badBody.text()]).toEqual([400, expect.stringContaining('XAmzContentSHA256Mismatch')]);
    const badMd5 = await send({ ...request, headers: { ...request.headers, 'content-md5': '1B2M2Y8AsgTpgAmY7PhCfg==' } });
    expect([badMd5.status, await badMd5.text()]).toEqual([400, expect.stringContaining('BadDigest')]);
    const { 'content-md5': _, ...noMd5 } = request.headers;
    expect((await send({ ...request, headers: noMd5 })).status).toBe(403);
    const unsigned = await client.fetch(`${env.S3_RECEIVER}/${S3_BUCKET}/no-md5`, {
      method: 'PUT',
      body: 'x',
      headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
    });
    expect([unsigned.status, await unsigned.text()]).toEqual([400, expect.stringContaining('InvalidRequest')]);
    const wrongRegion = await send(await s3BatchRequest(events(orgId(), 1), { ...settings, region: 'us-east-1' }));
    expect(wrongRegion.status).toBe(400);
  });

  it('copies an archive file to <prefix>/<orgId>/archives/<startDate>/<file>', async () => {
    const org = orgId();
    const bytes = new Uint8Array([0x50, 0x4b, 3, 4, 0, 255]);
    const request = await s3ArchiveRequest(settings, {
      organizationId: org,
      startDate: '2026-11-23',
      file: 'audit-logs_2026-11-23_2026-11-29.zip',
      bytes,
    });
    expect(request.url).toBe(
      `${env.S3_RECEIVER}/${S3_BUCKET}/audit/stream(1)!x'*/${org}/archives/2026-11-23/audit-logs_2026-11-23_2026-11-29.zip`,
    );
    expect((await send(request)).status).toBe(200);
    expect(new Uint8Array(await (await client.fetch(request.url)).arrayBuffer())).toEqual(bytes);
  });

  it('keys by the first event hour (UTC) and refuses unsafe prefixes', () => {
    expect(batchObjectKey('', 'org_1', '2026-01-02T03:59:59.999Z', 1, 2)).toBe('org_1/2026/01/02/03/1-2.ndjson.gz');
    expect(batchObjectKey('/a/b/', 'org_1', '2026-12-31T23:00:00.000Z', 5, 5)).toBe('a/b/org_1/2026/12/31/23/5-5.ndjson.gz');
    for (const prefix of ['a//b', '../x', 'a/./b', 'ä', 'a\u0000b', 'a?b', 'x'.repeat(513)])
      expect(checkS3Prefix(prefix).ok, prefix).toBe(false);
  });
});

describe('batch splitter', () => {
  it('puts every event in exactly one batch, in order, within 1,000 events and 1 MB', () => {
    const sizes = fc.array(fc.integer({ min: 1, max: 400_000 }), { maxLength: 3000 });
    fc.assert(
      fc.property(sizes, fc.integer({ min: 1, max: 1000 }), (items, maxItems) => {
        const indexed = items.map((size, index) => ({ size, index }));
        const limits = { ...STREAM_BATCH_LIMITS, maxItems };
        const batches = splitBatches(indexed, (item) => item.size, limits);
        expect(batches.flat()).toEqual(indexed);
        for (const batch of batches) {
          expect(batch.length).toBeGreaterThan(0);
          expect(batch.length).toBeLessThanOrEqual(maxItems);
          expect(batch.reduce((sum, item) => sum + item.size, 0)).toBeLessThanOrEqual(limits.maxBytes);
        }
        // Greedy: a batch closed early would have had room for the next event.
        for (const [index, batch] of batches.slice(0, -1).entries()) {
          const next = batches[index + 1]?.[0];
          const full = batch.length === maxItems || batch.reduce((sum, item) => sum + item.size, 0) + (next?.size ?? 0) > limits.maxBytes;
          expect(full).toBe(true);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('gives an event larger than the limit a batch of its own, and counts NDJSON bytes as UTF-8', () => {
    const batches = splitBatches([10, 2_000_000, 10], (size) => size, STREAM_BATCH_LIMITS);
    expect(batches).toEqual([[10], [2_000_000], [10]]);
    expect(ndjsonLineBytes({ a: 'é' })).toBe(new TextEncoder().encode('{"a":"é"}\n').length);
    expect(ndjsonLineBytes({ a: '\ud800' })).toBe('{"a":"\\ud800"}\n'.length);
  });
});
