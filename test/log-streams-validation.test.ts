// Strict log-stream bodies (docs/STREAMS.md, "API"): every field's rule, the SSRF rule, hostile
// strings. Every refusal is a 422 naming the field, and stores nothing.
import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { call, createOrg, expectProblem, type TestOrg } from './helpers/api.ts';
import { createStream, streamBodies, streamsPath } from './helpers/log-streams.ts';
import { HOSTILE } from './helpers/stream-events.ts';
import { hook } from './helpers/webhooks.ts';

let org: TestOrg;
let bodies: ReturnType<typeof streamBodies>;

beforeAll(async () => {
  org = await createOrg('ls-strict');
  bodies = streamBodies(await hook(), 'strict');
});

const count = async () =>
  (await env.DB.prepare('SELECT count(*) AS n FROM log_streams WHERE organization_id = ?').bind(org.orgId).first<{ n: number }>())?.n;

/** POSTs `body` and expects a 422 whose first error names `pointer`; nothing is stored. */
async function refused(body: unknown, pointer: string, detail?: RegExp): Promise<void> {
  const before = await count();
  const problem = await expectProblem(await call(streamsPath(org), { method: 'POST', token: org.ownerKey, body }), 422);
  const pointers = (problem.errors ?? []).map((error) => error.pointer);
  expect(pointers, JSON.stringify(body).slice(0, 200)).toContain(pointer);
  if (detail) expect(problem.errors?.find((error) => error.pointer === pointer)?.detail).toMatch(detail);
  expect(await count()).toBe(before);
}

describe('log stream bodies are strict', () => {
  it('refuses an unknown field at the top, in the filter, and a field of another type', async () => {
    for (const body of Object.values(bodies)) {
      await refused({ ...body, unexpectedField: 1 }, 'unexpectedField', /not a known field/);
      await refused({ ...body, filter: { events: ['audit'], unexpectedField: 1 } }, 'filter/unexpectedField', /not a known field/);
    }
    await refused({ ...bodies.https, token: 'x' }, 'token', /not a known field/);
    await refused({ ...bodies.splunk_hec, bucket: 'x' }, 'bucket', /not a known field/);
  });

  it('needs name, a known type and format, active and the type secret', async () => {
    const { name: _n, ...noName } = bodies.https;
    await refused(noName, 'name');
    await refused({ ...bodies.https, name: '' }, 'name');
    await refused({ ...bodies.https, name: 'x'.repeat(201) }, 'name');
    await refused({ ...bodies.https, type: 'kafka' }, 'type');
    await refused({ ...bodies.https, format: 'cef' }, 'format');
    const { active: _a, ...noActive } = bodies.https;
    await refused(noActive, 'active');
    await refused({ ...bodies.https, active: 'yes' }, 'active');
    const { secret: _s, ...noSecret } = bodies.https;
    await refused(noSecret, 'secret');
    await refused({ ...bodies.https, secret: 'short' }, 'secret');
    const { token: _t, ...noToken } = bodies.splunk_hec;
    await refused(noToken, 'token');
    const { apiKey: _k, ...noKey } = bodies.datadog;
    await refused(noKey, 'apiKey');
    const { secretAccessKey: _x, ...noS3Secret } = bodies.s3;
    await refused(noS3Secret, 'secretAccessKey');
  });

  it('checks each type field', async () => {
    await refused({ ...bodies.https, headers: { authorization: 'Bearer x' } }, 'headers', /credential/);
    await refused({ ...bodies.https, headers: { 'x-audit-delivery': 'x' } }, 'headers');
    await refused({ ...bodies.https, headers: { 'bad name': 'x' } }, 'headers');
    await refused({ ...bodies.https, headers: { 'x-a': 'line\r\nbreak' } }, 'headers');
    await refused({ ...bodies.https, headers: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`x-h${i}`, 'v'])) }, 'headers');
    const { url: _u, ...siteless } = bodies.datadog;
    await refused(siteless, 'site', /site or/);
    await refused({ ...siteless, site: 'datadoghq.evil.example' }, 'site', /not a Datadog site/);
    await refused({ ...bodies.s3, prefix: 'a/../b' }, 'prefix');
    await refused({ ...bodies.s3, prefix: 'a b' }, 'prefix');
    await refused({ ...bodies.s3, bucket: 'Upper_Case' }, 'bucket');
    await refused({ ...bodies.s3, region: 'EU WEST' }, 'region');
    await refused({ ...bodies.s3, exportArchives: 'true' }, 'exportArchives');
  });

  it('accepts a Datadog site without a url, and keeps an S3 prefix without its outer slashes', async () => {
    const { url: _u, ...siteOnly } = bodies.datadog;
    const datadog = await createStream(org, { ...siteOnly, name: 'dd-site', site: 'datadoghq.eu' });
    expect(datadog.settings).toEqual({ site: 'datadoghq.eu' });
    const s3 = await createStream(org, { ...bodies.s3, name: 's3-prefix', prefix: '/audit/logs/', exportArchives: true });
    expect(s3.settings).toMatchObject({ prefix: 'audit/logs', exportArchives: true, bucket: bodies.s3.bucket });
  });

  it('sends URLs through the webhook SSRF rule: https only, no private, loopback, link-local or metadata hosts', async () => {
    for (const url of [
      'http://siem.example.com/collector',
      'ftp://siem.example.com/',
      'https://10.0.0.1/services/collector/event',
      'https://192.168.1.10/',
      'https://169.254.169.254/latest/meta-data/',
      'https://[::1]/',
      'https://metadata.google.internal/',
      'https://10.0.0.1.nip.io/',
      'https://user:pass@siem.example.com/',
      'not a url',
    ]) {
      await refused({ ...bodies.splunk_hec, url }, 'url', /URL/);
      await refused({ ...bodies.https, url }, 'url', /URL/);
      await refused({ ...bodies.datadog, url }, 'url', /URL/);
      await refused({ ...bodies.s3, endpoint: url }, 'endpoint', /URL/);
    }
  });

  it('refuses hostile strings (NUL, lone surrogates, huge values) with a 422, never a 500', async () => {
    for (const hostile of [HOSTILE, 'a\u0000b', 'lone\ud800', 'x'.repeat(100_000)]) {
      for (const [body, field] of [
        [bodies.https, 'name'],
        [bodies.https, 'secret'],
        [bodies.splunk_hec, 'token'],
        [bodies.splunk_hec, 'url'],
        [bodies.s3, 'accessKeyId'],
        [bodies.s3, 'prefix'],
      ] as const) {
        const response = await call(streamsPath(org), { method: 'POST', token: org.ownerKey, body: { ...body, [field]: hostile } });
        expect([400, 413, 422], `${field}: ${await response.clone().text()}`).toContain(response.status);
        await response.body?.cancel();
      }
    }
    // Deep nesting where a string map is expected.
    let deep: unknown = 'x';
    for (let i = 0; i < 200; i += 1) deep = { a: deep };
    await refused({ ...bodies.https, headers: { 'x-a': deep } }, 'headers/x-a');
    expect(await count()).toBe(2);
  });

  it('allows 20 live streams per organization (409 log-stream-limit), and a deleted one frees its place', async () => {
    const full = await createOrg('ls-limit');
    const ids: string[] = [];
    for (let i = 0; i < 20; i += 1) ids.push((await createStream(full, { ...bodies.splunk_hec, name: `s${i}` })).id);
    const over = await expectProblem(
      await call(streamsPath(full), { method: 'POST', token: full.ownerKey, body: { ...bodies.s3, name: 'one more' } }),
      409,
    );
    expect(over.type).toBe('urn:problem:audit-logs:log-stream-limit');
    expect((await call(`${streamsPath(full)}/${ids[0]}`, { method: 'DELETE', token: full.ownerKey })).status).toBe(204);
    await createStream(full, { ...bodies.s3, name: 'one more' });
  });
});
