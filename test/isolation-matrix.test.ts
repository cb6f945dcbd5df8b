// Longer than 300 lines: the route table is the test; every route of the API has its entry here.
import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../worker/app.ts';
import { OPENAPI_CONFIG } from '../worker/openapi-docs.ts';
import { ADMIN, call, createInstance, createKey, createOrg, json, type TestOrg, unique } from './helpers/api.ts';
import { build, ingestAll, lastWeek, weekEvents } from './helpers/archives.ts';
import { makeEvent } from './helpers/events.ts';
import { createWebhook, hook } from './helpers/webhooks.ts';

/** Who calls. Every one of them is tried on every route. */
const PRINCIPALS = [
  'none',
  'malformed',
  'revoked',
  'expiredKey',
  'expiredSession',
  'otherOwner',
  'owner',
  'admin',
  'auditor',
  'member',
  'ingest',
  'boundIngest',
] as const;
type Who = (typeof PRINCIPALS)[number];
type Expectation = Record<Who, number>;

/**
 * The same keys through the other transports, and a key whose user lost the role it needs: each
 * must be answered exactly like the caller it is derived from (one key, one authority).
 */
const DERIVED = {
  ownerBasic: 'owner',
  ownerSession: 'owner',
  otherOwnerBasic: 'otherOwner',
  otherOwnerSession: 'otherOwner',
  demotedIngest: 'revoked',
} as const satisfies Record<string, Who>;
type Caller = Who | keyof typeof DERIVED;
const CALLERS: Caller[] = [...PRINCIPALS, ...(Object.keys(DERIVED) as (keyof typeof DERIVED)[])];
const expectedStatus = (expectation: Expectation, caller: Caller): number =>
  expectation[caller in DERIVED ? DERIVED[caller as keyof typeof DERIVED] : (caller as Who)];

const BAD = { malformed: 401, revoked: 401, expiredKey: 401 } as const;
const denied = (allowed: Partial<Record<'owner' | 'admin' | 'auditor' | 'member' | 'ingest' | 'boundIngest', number>>): Expectation => ({
  none: 401,
  ...BAD,
  expiredSession: 401,
  otherOwner: 403,
  owner: 403,
  admin: 403,
  auditor: 403,
  member: 403,
  ingest: 403,
  boundIngest: 403,
  ...allowed,
});
/** The audit record: owners and auditors read it. */
const auditReaders = denied({ owner: 200, auditor: 200 });
const readers = denied({ owner: 200, admin: 200, auditor: 200, member: 200 });
const managers = (status: number) => denied({ owner: status, admin: status });
/** Webhooks are the owners' alone: auditors read the record, not where it is sent. */
const ownersOnly = denied({ owner: 200 });
const everyone = (status: number): Expectation => ({
  none: status,
  ...BAD,
  expiredSession: status,
  otherOwner: status,
  owner: status,
  admin: status,
  auditor: status,
  member: status,
  ingest: status,
  boundIngest: status,
});

interface Fixture {
  org: TestOrg;
  other: TestOrg;
  instanceId: string;
  kargoInstanceId: string;
  downloadPath: string;
  webhook: { id: string; name: string; url: string; secret: string; deliveryId: string };
}

interface RouteCase {
  expect: Expectation;
  /** A fresh request against the fixture (fresh objects, so deletes never collide). */
  request: (fixture: Fixture) => Promise<{ path: string; method: string; body?: unknown }>;
}

const org = (f: Fixture) => `/api/v1/organizations/${f.org.orgId}`;
const webhooks = (f: Fixture) => `/api/v1/orgs/${f.org.orgId}/notification-configs`;
const webhookBody = (f: Fixture, name = f.webhook.name) => ({ name, webhook: { url: f.webhook.url, secret: f.webhook.secret } });

/** Every route of the OpenAPI document must have an entry here; the test fails on a new one. */
const MATRIX: Record<string, RouteCase> = {
  'POST /api/v1/organizations': {
    expect: denied({}),
    request: async () => ({
      method: 'POST',
      path: '/api/v1/organizations',
      body: { name: 'x', owner: { email: `${unique('x')}@example.com`, name: 'X' } },
    }),
  },
  'GET /api/v1/organizations': {
    expect: { ...everyone(200), none: 401, ...BAD, expiredSession: 401 },
    request: async () => ({ method: 'GET', path: '/api/v1/organizations' }),
  },
  'POST /api/v1/organizations/{orgId}/instances': {
    expect: managers(201),
    request: async (f) => ({ method: 'POST', path: `${org(f)}/instances`, body: { type: 'kargo', name: unique('k') } }),
  },
  'GET /api/v1/organizations/{orgId}/instances': {
    expect: readers,
    request: async (f) => ({ method: 'GET', path: `${org(f)}/instances` }),
  },
  'GET /api/v1/organizations/{orgId}/instances/{instanceId}': {
    expect: readers,
    request: async (f) => ({ method: 'GET', path: `${org(f)}/instances/${f.instanceId}` }),
  },
  'DELETE /api/v1/organizations/{orgId}/instances/{instanceId}': {
    expect: managers(204),
    request: async (f) => ({ method: 'DELETE', path: `${org(f)}/instances/${(await createInstance(f.org, 'kargo')).id}` }),
  },
  'GET /api/v1/organizations/{orgId}/members': { expect: readers, request: async (f) => ({ method: 'GET', path: `${org(f)}/members` }) },
  'POST /api/v1/organizations/{orgId}/members': {
    expect: managers(201),
    request: async (f) => ({
      method: 'POST',
      path: `${org(f)}/members`,
      body: { email: `${unique('m')}@example.com`, name: 'M', role: 'member' },
    }),
  },
  'PATCH /api/v1/organizations/{orgId}/members/{userId}': {
    expect: managers(200),
    request: async (f) => ({ method: 'PATCH', path: `${org(f)}/members/${await addMember(f)}`, body: { role: 'admin' } }),
  },
  'DELETE /api/v1/organizations/{orgId}/members/{userId}': {
    expect: managers(204),
    request: async (f) => ({ method: 'DELETE', path: `${org(f)}/members/${await addMember(f)}` }),
  },
  'GET /api/v1/organizations/{orgId}/api-keys': {
    expect: managers(200),
    request: async (f) => ({ method: 'GET', path: `${org(f)}/api-keys` }),
  },
  'POST /api/v1/organizations/{orgId}/api-keys': {
    expect: managers(201),
    request: async (f) => ({ method: 'POST', path: `${org(f)}/api-keys`, body: { name: 'n', role: 'ingest' } }),
  },
  'DELETE /api/v1/organizations/{orgId}/api-keys/{keyId}': {
    expect: managers(204),
    request: async (f) => ({ method: 'DELETE', path: `${org(f)}/api-keys/${(await createKey(f.org, 'member')).id}` }),
  },
  'POST /api/v1/organizations/{orgId}/audit-logs': {
    expect: denied({ owner: 201, admin: 201, ingest: 201, boundIngest: 201 }),
    request: async (f) => ({ method: 'POST', path: `${org(f)}/audit-logs`, body: makeEvent(1, { instanceId: f.instanceId }) }),
  },
  'GET /api/v1/organizations/{orgId}/audit-logs': {
    expect: auditReaders,
    request: async (f) => ({ method: 'GET', path: `${org(f)}/audit-logs` }),
  },
  'GET /api/v1/organizations/{orgId}/instances/{instanceId}/audit-logs': {
    expect: auditReaders,
    request: async (f) => ({ method: 'GET', path: `${org(f)}/instances/${f.instanceId}/audit-logs` }),
  },
  'GET /api/v1/organizations/{orgId}/csv-audit-logs': {
    expect: auditReaders,
    request: async (f) => ({ method: 'GET', path: `${org(f)}/csv-audit-logs` }),
  },
  'GET /api/v1/organizations/{orgId}/audit-logs-histogram': {
    expect: auditReaders,
    request: async (f) => ({
      method: 'GET',
      path: `${org(f)}/audit-logs-histogram?filters.startTime=${new Date(Date.now() - 7 * 86_400_000).toISOString()}&bucket=day`,
    }),
  },
  'GET /api/v1/organizations/{orgId}/audit-log-stream': {
    expect: auditReaders,
    request: async (f) => ({ method: 'GET', path: `${org(f)}/audit-log-stream?afterSequence=0&limit=5` }),
  },
  // The instance is named in the body: another organization's instance is "not found" to outsiders.
  'POST /ext-api/v1/argocd/extensions/audit-records': {
    expect: { ...auditReaders, otherOwner: 404 },
    request: async (f) => ({ method: 'POST', path: '/ext-api/v1/argocd/extensions/audit-records', body: { instanceId: f.instanceId } }),
  },
  'POST /ext-api/v1/kargo/extensions/audit-records': {
    expect: { ...auditReaders, otherOwner: 404 },
    request: async (f) => ({
      method: 'POST',
      path: '/ext-api/v1/kargo/extensions/audit-records',
      body: { instanceId: f.kargoInstanceId, projectName: 'storefront' },
    }),
  },
  'GET /api/v1/organizations/{orgId}/audit-logs-facets': {
    expect: auditReaders,
    request: async (f) => ({ method: 'GET', path: `${org(f)}/audit-logs-facets?facet=action` }),
  },
  'GET /api/v1/organizations/{orgId}/audit-log-settings': {
    expect: auditReaders,
    request: async (f) => ({ method: 'GET', path: `${org(f)}/audit-log-settings` }),
  },
  'PATCH /api/v1/organizations/{orgId}/audit-log-settings': {
    expect: denied({ owner: 200 }),
    request: async (f) => ({ method: 'PATCH', path: `${org(f)}/audit-log-settings`, body: { hotRetentionDays: 60 } }),
  },
  'GET /api/v1/organizations/{orgId}/audit-logs-archives': {
    expect: auditReaders,
    request: async (f) => ({ method: 'GET', path: `${org(f)}/audit-logs-archives` }),
  },
  'GET /api/v1/audit-logs-archives/public-key': {
    expect: { ...everyone(200), ...BAD },
    request: async () => ({ method: 'GET', path: '/api/v1/audit-logs-archives/public-key' }),
  },
  // The signed link is the credential: any caller may follow it; a bad explicit credential is still refused.
  'GET /api/v1/archive-downloads/{orgId}/{startDate}/{revision}/{file}': {
    expect: { ...everyone(200), ...BAD },
    request: async (f) => ({ method: 'GET', path: f.downloadPath }),
  },
  'POST /api/v1/auth/session': {
    expect: { ...everyone(201), ...BAD },
    request: async (f) => ({ method: 'POST', path: '/api/v1/auth/session', body: { apiKey: f.org.ownerKey } }),
  },
  'DELETE /api/v1/auth/session': {
    expect: { ...everyone(204), ...BAD },
    request: async () => ({ method: 'DELETE', path: '/api/v1/auth/session' }),
  },
  'GET /api/v1/me': {
    expect: { ...everyone(200), none: 401, ...BAD, expiredSession: 401 },
    request: async () => ({ method: 'GET', path: '/api/v1/me' }),
  },
  'GET /api/v1/orgs/{orgId}/notification-configs': { expect: ownersOnly, request: async (f) => ({ method: 'GET', path: webhooks(f) }) },
  'POST /api/v1/orgs/{orgId}/notification-configs': {
    expect: denied({ owner: 201 }),
    request: async (f) => ({ method: 'POST', path: webhooks(f), body: webhookBody(f, unique('w')) }),
  },
  'GET /api/v1/orgs/{orgId}/notification-configs/{id}': {
    expect: ownersOnly,
    request: async (f) => ({ method: 'GET', path: `${webhooks(f)}/${f.webhook.id}` }),
  },
  'PUT /api/v1/orgs/{orgId}/notification-configs/{id}': {
    expect: ownersOnly,
    request: async (f) => ({ method: 'PUT', path: `${webhooks(f)}/${f.webhook.id}`, body: webhookBody(f) }),
  },
  'DELETE /api/v1/orgs/{orgId}/notification-configs/{id}': {
    expect: denied({ owner: 204 }),
    request: async (f) => ({
      method: 'DELETE',
      path: `${webhooks(f)}/${(await createWebhook(f.org, { url: f.webhook.url, secret: f.webhook.secret, filter: { events: [] } })).id}`,
    }),
  },
  'POST /api/v1/orgs/{orgId}/notification-configs/{id}/ping': {
    expect: ownersOnly,
    request: async (f) => ({ method: 'POST', path: `${webhooks(f)}/${f.webhook.id}/ping` }),
  },
  'GET /api/v1/orgs/{orgId}/notification-configs/{id}/delivery-history': {
    expect: ownersOnly,
    request: async (f) => ({ method: 'GET', path: `${webhooks(f)}/${f.webhook.id}/delivery-history` }),
  },
  'GET /api/v1/orgs/{orgId}/notification-configs/{configId}/delivery-history/{id}': {
    expect: ownersOnly,
    request: async (f) => ({ method: 'GET', path: `${webhooks(f)}/${f.webhook.id}/delivery-history/${f.webhook.deliveryId}` }),
  },
  'POST /api/v1/orgs/{orgId}/notification-configs/{configId}/notifications/{id}/redeliver': {
    expect: denied({ owner: 202 }),
    request: async (f) => ({ method: 'POST', path: `${webhooks(f)}/${f.webhook.id}/notifications/${f.webhook.deliveryId}/redeliver` }),
  },
};

let memberSequence = 0;
async function addMember(f: Fixture): Promise<string> {
  memberSequence += 1;
  const member = await json<{ userId: string }>(
    await call(`${org(f)}/members`, {
      method: 'POST',
      token: f.org.ownerKey,
      body: { email: `matrix-${memberSequence}-${unique('u')}@example.com`, name: 'U', role: 'member' },
    }),
    201,
  );
  return member.userId;
}

let fixture: Fixture;
type Credential = { token?: string; headers?: Record<string, string> };
/** Each caller's credential, made fresh per request where using it could end it (sessions). */
const credentials = {} as Record<Caller, () => Promise<Credential>>;

const basicAuth = (keyId: string, secret: string): Credential => ({ headers: { authorization: `Basic ${btoa(`${keyId}:${secret}`)}` } });
async function freshSession(secret: string): Promise<Credential> {
  const response = await call('/api/v1/auth/session', { method: 'POST', body: { apiKey: secret } });
  const cookie = /audit_session=[^;]+/.exec(response.headers.get('set-cookie') ?? '')?.[0] ?? '';
  await response.body?.cancel();
  return { headers: { cookie, origin: 'http://localhost:8787' } };
}

beforeAll(async () => {
  // On different shards: every answer to the other organization's owner (and every read of the
  // target's data) must come from the target's own shard, whatever the caller's shard is.
  const target = await createOrg('matrix-target', { shard: 'SHARD_1' });
  const other = await createOrg('matrix-other', { shard: 'SHARD_2' });
  const instance = await createInstance(target, 'argocd');
  const week = lastWeek();
  await ingestAll(target, weekEvents(week.startMs, 5, 'matrix'));
  await build(target.orgId, week.startDate);
  const archives = await json<{ archives: { presignedUrl: string }[] }>(
    await call(`/api/v1/organizations/${target.orgId}/audit-logs-archives`, { token: target.ownerKey }),
    200,
  );
  const link = new URL(archives.archives[0]?.presignedUrl ?? '');
  const kargo = await createInstance(target, 'kargo');
  const receiver = await hook();
  const webhook = await createWebhook(target, { url: receiver.url, secret: receiver.secret, filter: { events: [] } });
  const ping = await json<{ history: { id: string } }>(
    await call(`/api/v1/orgs/${target.orgId}/notification-configs/${webhook.id}/ping`, { method: 'POST', token: target.ownerKey }),
    200,
  );
  fixture = {
    org: target,
    other,
    instanceId: instance.id,
    kargoInstanceId: kargo.id,
    downloadPath: link.pathname + link.search,
    webhook: { id: webhook.id, name: webhook.name, url: receiver.url, secret: receiver.secret, deliveryId: ping.history.id },
  };

  const revoked = await createKey(target, 'admin');
  await call(`/api/v1/organizations/${target.orgId}/api-keys/${revoked.id}`, { method: 'DELETE', token: target.ownerKey });
  const expired = await createKey(target, 'admin', { expiresAt: new Date(Date.now() + 3_600_000).toISOString() });
  await env.DB.prepare('UPDATE api_keys SET expires_at = ? WHERE id = ?')
    .bind(Date.now() - 1000, expired.id)
    .run();
  const sessionKey = await createKey(target, 'admin');
  const signIn = await call('/api/v1/auth/session', { method: 'POST', body: { apiKey: sessionKey.secret } });
  const cookie = /audit_session=[^;]+/.exec(signIn.headers.get('set-cookie') ?? '')?.[0] ?? '';
  await env.DB.prepare('UPDATE sessions SET expires_at = ? WHERE api_key_id = ?')
    .bind(Date.now() - 1, sessionKey.id)
    .run();

  // An ingest key whose user (the owner of a third organization) was then demoted to member.
  const demotedOrg = await createOrg('matrix-demoted');
  const demotedKey = await createKey(demotedOrg, 'ingest');
  const demotedUser = await json<{ user: { id: string } }>(await call('/api/v1/me', { token: demotedOrg.ownerKey }), 200);
  await call(`/api/v1/organizations/${demotedOrg.orgId}/members`, {
    method: 'POST',
    token: ADMIN,
    body: { email: `${unique('co')}@example.com`, name: 'Co', role: 'owner' },
  });
  await call(`/api/v1/organizations/${demotedOrg.orgId}/members/${demotedUser.user.id}`, {
    method: 'PATCH',
    token: ADMIN,
    body: { role: 'member' },
  });

  const fixed = (credential: Credential) => async () => credential;
  const keys = {
    admin: (await createKey(target, 'admin')).secret,
    auditor: (await createKey(target, 'auditor')).secret,
    member: (await createKey(target, 'member')).secret,
    ingest: (await createKey(target, 'ingest')).secret,
    boundIngest: (await createKey(target, 'ingest', { instanceId: instance.id })).secret,
  };
  Object.assign(credentials, {
    none: fixed({}),
    malformed: fixed({ headers: { authorization: 'Basic b3duZXI6cGFzc3dvcmQ=' } }),
    revoked: fixed({ token: revoked.secret }),
    expiredKey: fixed({ token: expired.secret }),
    expiredSession: fixed({ headers: { cookie, origin: 'http://localhost:8787' } }),
    otherOwner: fixed({ token: other.ownerKey }),
    owner: fixed({ token: target.ownerKey }),
    admin: fixed({ token: keys.admin }),
    auditor: fixed({ token: keys.auditor }),
    member: fixed({ token: keys.member }),
    ingest: fixed({ token: keys.ingest }),
    boundIngest: fixed({ token: keys.boundIngest }),
    ownerBasic: fixed(basicAuth(target.ownerKeyId, target.ownerKey)),
    ownerSession: () => freshSession(target.ownerKey),
    otherOwnerBasic: fixed(basicAuth(other.ownerKeyId, other.ownerKey)),
    otherOwnerSession: () => freshSession(other.ownerKey),
    demotedIngest: fixed({ token: demotedKey.secret }),
  } satisfies Record<Caller, () => Promise<Credential>>);
});

describe('isolation matrix', () => {
  it('covers every route of the OpenAPI document, and nothing else', () => {
    const document = createApp().getOpenAPI31Document(OPENAPI_CONFIG);
    const routes = Object.entries(document.paths ?? {}).flatMap(([path, item]) =>
      (['get', 'post', 'put', 'patch', 'delete'] as const)
        .filter((method) => item[method])
        .map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(routes.sort()).toEqual(Object.keys(MATRIX).sort());
  });

  it('answers every (route, caller) pair as expected, and leaks no other organization data', async () => {
    let checked = 0;
    const leaks: string[] = [];
    const mismatches: string[] = [];
    for (const [route, entry] of Object.entries(MATRIX)) {
      for (const who of CALLERS) {
        const request = await entry.request(fixture);
        const response = await call(request.path, { method: request.method, body: request.body, ...(await credentials[who]()) });
        const text = await response.text();
        checked += 1;
        const expected = expectedStatus(entry.expect, who);
        if (response.status !== expected)
          mismatches.push(`${route} as ${who}: ${response.status} (expected ${expected}) ${text.slice(0, 160)}`);
        if (response.status >= 400) expect(response.headers.get('content-type'), `${route} as ${who}`).toBe('application/problem+json');
        // The other organization's data never reaches the target's callers, nor the target's to the other owner.
        const outsider = who === 'otherOwner' || who === 'otherOwnerBasic' || who === 'otherOwnerSession';
        const forbiddenMarkers = outsider ? [fixture.org.orgId, fixture.org.ownerEmail] : [fixture.other.orgId, fixture.other.ownerEmail];
        // (A route may echo ids the caller itself sent in the path: the other owner's request names the target org.)
        const echoed = outsider && response.status === 403 ? [fixture.org.orgId] : [];
        // Signing in answers with the organizations of the key in the body, whoever sends it.
        if (route === 'POST /api/v1/auth/session') continue;
        for (const marker of forbiddenMarkers.filter((value) => !echoed.includes(value)))
          if (text.includes(marker)) leaks.push(`${route} as ${who} leaks ${marker}`);
      }
    }
    console.log(
      `isolation matrix: ${Object.keys(MATRIX).length} routes × ${CALLERS.length} callers = ${checked} requests, ${leaks.length} leaks`,
    );
    expect(mismatches).toEqual([]);
    expect(leaks).toEqual([]);
    expect(checked).toBe(Object.keys(MATRIX).length * CALLERS.length);
    // Several hundred requests one after another (the webhook routes included): more than the default 30 s on a busy machine.
  }, 180_000);
});
