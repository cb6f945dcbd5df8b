// Every route of the API against every kind of caller (helpers/isolation-callers.ts makes the
// callers and the target organization): the route table below is the test; a new route fails it.
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../worker/app.ts';
import { OPENAPI_CONFIG } from '../worker/openapi-docs.ts';
import { call, createInstance, createKey, json, unique } from './helpers/api.ts';
import { makeEvent } from './helpers/events.ts';
import { CALLERS, type Caller, type Credentials, DERIVED, type Fixture, matrixSetup, type Who } from './helpers/isolation-callers.ts';
import { CREDENTIAL_IN_REQUEST, invitation, STRANGE_ASSERTION, signInLinkToken } from './helpers/isolation-people.ts';
import { ssoBody } from './helpers/sso.ts';
import { createWebhook } from './helpers/webhooks.ts';

type Expectation = Record<Who, number>;
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

const personOnly: Expectation = { ...everyone(403), none: 401, ...BAD, expiredSession: 401 };
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
  // A person's own sessions: every key of the target's owner but the ingest keys (they only write
  // events) sees and ends the owner's; the other owner gets a 404 for the owner's session.
  'GET /api/v1/me/sessions': {
    expect: { ...everyone(200), none: 401, ...BAD, expiredSession: 401, ingest: 403, boundIngest: 403 },
    request: async () => ({ method: 'GET', path: '/api/v1/me/sessions' }),
  },
  'DELETE /api/v1/me/sessions': {
    expect: { ...everyone(204), none: 401, ...BAD, expiredSession: 401, ingest: 403, boundIngest: 403 },
    request: async () => ({ method: 'DELETE', path: '/api/v1/me/sessions' }),
  },
  'DELETE /api/v1/me/sessions/{id}': {
    expect: { ...everyone(204), none: 401, ...BAD, expiredSession: 401, otherOwner: 404, ingest: 403, boundIngest: 403 },
    request: async (f) => ({ method: 'DELETE', path: `/api/v1/me/sessions/${await ownerSessionId(f)}` }),
  },
  // People sign in as themselves (docs/API.md, "Invitations", "Passkeys", "Sign-in links").
  'POST /api/v1/organizations/{orgId}/invitations': {
    expect: managers(201),
    request: async (f) => ({
      method: 'POST',
      path: `${org(f)}/invitations`,
      body: { email: `${unique('inv')}@example.com`, role: 'member' },
    }),
  },
  'GET /api/v1/organizations/{orgId}/invitations': {
    expect: managers(200),
    request: async (f) => ({ method: 'GET', path: `${org(f)}/invitations` }),
  },
  'DELETE /api/v1/organizations/{orgId}/invitations/{id}': {
    expect: managers(204),
    request: async (f) => ({ method: 'DELETE', path: `${org(f)}/invitations/${(await invitation(f)).id}` }),
  },
  // The link's token is the credential: any caller may open it; a bad explicit credential is still refused.
  'GET /api/v1/invitations/{token}': {
    expect: { ...everyone(200), ...BAD },
    request: async (f) => ({ method: 'GET', path: `/api/v1/invitations/${(await invitation(f)).token}` }),
  },
  'POST /api/v1/invitations/{token}/passkey-options': {
    expect: { ...everyone(200), ...BAD },
    request: async (f) => ({ method: 'POST', path: `/api/v1/invitations/${(await invitation(f)).token}/passkey-options` }),
  },
  // Without a passkey (and not signed in as the invited person) nobody accepts.
  'POST /api/v1/invitations/{token}/accept': {
    expect: { ...everyone(400), ...BAD },
    request: async (f) => ({ method: 'POST', path: `/api/v1/invitations/${(await invitation(f)).token}/accept`, body: {} }),
  },
  'POST /api/v1/auth/passkey/options': {
    expect: { ...everyone(200), ...BAD },
    request: async () => ({ method: 'POST', path: '/api/v1/auth/passkey/options' }),
  },
  // No ceremony, no known credential: nobody signs in.
  'POST /api/v1/auth/passkey': {
    expect: everyone(401),
    request: async () => ({ method: 'POST', path: '/api/v1/auth/passkey', body: { response: STRANGE_ASSERTION } }),
  },
  // A person's passkeys are managed from a person's own session; keys and API-key sessions get a 403.
  'GET /api/v1/me/passkeys': { expect: personOnly, request: async () => ({ method: 'GET', path: '/api/v1/me/passkeys' }) },
  'POST /api/v1/me/passkeys/options': {
    expect: personOnly,
    request: async () => ({ method: 'POST', path: '/api/v1/me/passkeys/options' }),
  },
  'POST /api/v1/me/passkeys': {
    expect: personOnly,
    request: async () => ({ method: 'POST', path: '/api/v1/me/passkeys', body: { response: STRANGE_ASSERTION } }),
  },
  'DELETE /api/v1/me/passkeys/{id}': {
    expect: personOnly,
    request: async () => ({ method: 'DELETE', path: '/api/v1/me/passkeys/pk_01JDX6Q8Z3V4K2M9R7T5W1Y0AB' }),
  },
  // The platform admin token alone makes sign-in links.
  'POST /api/v1/auth/sign-in-links': {
    expect: personOnly,
    request: async (f) => ({ method: 'POST', path: '/api/v1/auth/sign-in-links', body: { email: f.org.ownerEmail } }),
  },
  'POST /api/v1/auth/sign-in-links/{token}': {
    expect: { ...everyone(201), ...BAD },
    request: async (f) => ({ method: 'POST', path: `/api/v1/auth/sign-in-links/${await signInLinkToken(f)}` }),
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
  // SSO (owners only). Each request first makes sure the target has a configuration (as its owner).
  'GET /api/v1/organizations/{orgId}/sso/configuration': {
    expect: ownersOnly,
    request: async (f) => ({ method: 'GET', path: await withSso(f, '/sso/configuration') }),
  },
  'PUT /api/v1/organizations/{orgId}/sso/configuration': {
    expect: ownersOnly,
    request: async (f) => ({ method: 'PUT', path: `${org(f)}/sso/configuration`, body: ssoBody({ domain: matrixDomain(f) }) }),
  },
  'DELETE /api/v1/organizations/{orgId}/sso/configuration': {
    expect: denied({ owner: 204 }),
    request: async (f) => ({ method: 'DELETE', path: await withSso(f, '/sso/configuration') }),
  },
  'GET /api/v1/organizations/{orgId}/oidc-map': {
    expect: ownersOnly,
    request: async (f) => ({ method: 'GET', path: await withSso(f, '/oidc-map') }),
  },
  'PUT /api/v1/organizations/{orgId}/oidc-map': {
    expect: ownersOnly,
    request: async (f) => ({ method: 'PUT', path: await withSso(f, '/oidc-map'), body: { entries: { admin: 'ops' } } }),
  },
  // Sign-in through SSO is for anyone (a bad explicit credential is still refused): to the provider,
  // or, for a callback that was not started in this browser, back to the sign-in page.
  'GET /api/v1/auth/sso/start': {
    expect: { ...everyone(302), ...BAD },
    request: async (f) => ({
      method: 'GET',
      path: `/api/v1/auth/sso/start?organizationId=${await withSso(f, '').then(() => f.org.orgId)}`,
    }),
  },
  'GET /api/v1/auth/sso/callback': {
    expect: { ...everyone(302), ...BAD },
    request: async () => ({ method: 'GET', path: '/api/v1/auth/sso/callback?code=c&state=s' }),
  },
};

const matrixDomain = (f: Fixture) => `${f.org.orgId.slice(4).toLowerCase()}.matrix-example.com`;

/** `suffix` under the target organization, once it has an SSO configuration. */
async function withSso(f: Fixture, suffix: string): Promise<string> {
  const put = await call(`${org(f)}/sso/configuration`, {
    method: 'PUT',
    token: f.org.ownerKey,
    body: ssoBody({ domain: matrixDomain(f) }),
  });
  if (put.status !== 200) throw new Error(`SSO configuration: ${put.status} ${await put.text()}`);
  return `${org(f)}${suffix}`;
}

/** A fresh session of the target's owner, by its public id. */
async function ownerSessionId(f: Fixture): Promise<string> {
  const signIn = await call('/api/v1/auth/session', { method: 'POST', body: { apiKey: f.org.ownerKey } });
  const cookie = /audit_session=[^;]+/.exec(signIn.headers.get('set-cookie') ?? '')?.[0] ?? '';
  const list = await json<{ sessions: { id: string; current: boolean }[] }>(
    await call('/api/v1/me/sessions', { headers: { cookie } }),
    200,
  );
  const current = list.sessions.find((session) => session.current);
  if (!current) throw new Error('no current session');
  return current.id;
}

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
let credentials: Credentials;

beforeAll(async () => {
  ({ fixture, credentials } = await matrixSetup());
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
        // Signing in answers with the organizations of the key in the body (or the link's person), whoever sends it;
        // an invitation link shows its holder the organization it invites to.
        if (CREDENTIAL_IN_REQUEST.has(route)) continue;
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
