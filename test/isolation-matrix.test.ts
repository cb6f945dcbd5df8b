// Every route of the API against every kind of caller (helpers/isolation-callers.ts makes the
// callers and the target organization): the route table below, with helpers/isolation-people-routes.ts and helpers/isolation-stream-routes.ts, is the test; a new route fails it.
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../worker/app.ts';
import { OPENAPI_CONFIG } from '../worker/openapi-docs.ts';
import { call, createInstance, createKey, unique } from './helpers/api.ts';
import { makeEvent } from './helpers/events.ts';
import { CALLERS, type Credentials, type Fixture, matrixSetup } from './helpers/isolation-callers.ts';
import { CHECKPOINT_ROUTES } from './helpers/isolation-checkpoint-routes.ts';
import {
  auditReaders,
  BAD,
  denied,
  everyone,
  expectedStatus,
  managers,
  org,
  ownersOnly,
  type RouteCase,
  readers,
} from './helpers/isolation-expectations.ts';
import { CREDENTIAL_IN_REQUEST } from './helpers/isolation-people.ts';
import { PEOPLE_ROUTES } from './helpers/isolation-people-routes.ts';
import { SAVED_VIEW_ROUTES } from './helpers/isolation-saved-view-routes.ts';
import { STREAM_ROUTES } from './helpers/isolation-stream-routes.ts';
import { createWebhook } from './helpers/webhooks.ts';

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
  // Platform admin token only (test/organization-move.test.ts moves organizations with it).
  'POST /api/v1/admin/organizations/{orgId}/move': {
    expect: denied({}),
    request: async (f) => ({ method: 'POST', path: `/api/v1/admin/organizations/${f.org.orgId}/move`, body: { shard: 'SHARD_2' } }),
  },
  'GET /api/v1/admin/organizations/{orgId}/move': {
    expect: denied({}),
    request: async (f) => ({ method: 'GET', path: `/api/v1/admin/organizations/${f.org.orgId}/move` }),
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
  ...PEOPLE_ROUTES,
  // Log streams (owners only): helpers/isolation-stream-routes.ts.
  ...STREAM_ROUTES,
  // Signed checkpoints (owners and auditors): helpers/isolation-checkpoint-routes.ts.
  ...CHECKPOINT_ROUTES,
  // Restore from archives: the platform admin token only (its own answers: test/restore.test.ts).
  'POST /api/v1/admin/organizations/{orgId}/restore': {
    expect: denied({}),
    request: async (f) => ({ method: 'POST', path: `/api/v1/admin/organizations/${f.org.orgId}/restore`, body: { weeks: ['2026-11-23'] } }),
  },
  // Saved views (every reader, their own): helpers/isolation-saved-view-routes.ts.
  ...SAVED_VIEW_ROUTES,
};

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
