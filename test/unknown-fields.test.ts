import { beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, call, createInstance, createOrg, expectProblem, json, type TestOrg, unique } from './helpers/api.ts';
import { softwareAuthenticator } from './helpers/authenticator.ts';
import { makeEvent } from './helpers/events.ts';
import { createStream, streamBodies, streamsPath } from './helpers/log-streams.ts';
import { acceptWithPasskey, browser, cookieFrom, invite, registrationCeremony } from './helpers/people.ts';
import { DATABASES } from './helpers/shards.ts';
import { ssoBody, uniqueDomain } from './helpers/sso.ts';
import { createWebhook, hook } from './helpers/webhooks.ts';

/** The extra field every body gets; nothing in the API is called that. */
const EXTRA = 'unexpectedField';

/**
 * Objects whose keys are free by contract, where an extra field is data: an event's `details`
 * (docs/API.md, "The event"), and an https log stream's extra `headers` (docs/STREAMS.md). Every
 * other object of every body is closed.
 */
const OPEN_OBJECTS = new Set(['details', 'clientExtensionResults', 'headers']);

interface Fixture {
  org: TestOrg;
  argocd: string;
  kargo: string;
  memberId: string;
  webhook: { id: string; url: string };
  stream: { id: string; bodies: ReturnType<typeof streamBodies> };
  ssoDomain: string;
  people: PeopleFixture;
  savedViewId: string;
  /** An organization of its own for the move route (a move started there must not touch the others). */
  mover: TestOrg;
}

interface BodyCase {
  path: string;
  token: string | null;
  /** Valid bodies: each is accepted as sent (`status`) once the extra fields have all been refused. */
  bodies: unknown[];
  status: number;
  /** Browser headers (cookies of a WebAuthn ceremony or session). */
  headers?: Record<string, string>;
}

/** One entry per route of the OpenAPI document with a JSON request body. */
const ROUTES: Record<string, (f: Fixture) => BodyCase> = {
  'POST /api/v1/organizations/{orgId}/invitations': (f) => ({
    path: `/api/v1/organizations/${f.org.orgId}/invitations`,
    token: f.org.ownerKey,
    bodies: [{ email: `${unique('strict')}@example.com`, role: 'member' }],
    status: 201,
  }),
  'POST /api/v1/invitations/{token}/accept': (f) => f.people.accept,
  'POST /api/v1/auth/passkey': (f) => f.people.signIn,
  'POST /api/v1/me/passkeys': (f) => f.people.addPasskey,
  'POST /api/v1/auth/sign-in-links': (f) => ({
    path: '/api/v1/auth/sign-in-links',
    token: ADMIN,
    bodies: [{ email: f.org.ownerEmail }],
    status: 201,
  }),
  // The week has no archive: the body is accepted (validated), then the week is named as unknown.
  'POST /api/v1/admin/organizations/{orgId}/restore': (f) => ({
    path: `/api/v1/admin/organizations/${f.org.orgId}/restore`,
    token: ADMIN,
    bodies: [{ weeks: ['2026-11-23'] }],
    status: 404,
  }),
  'POST /api/v1/admin/organizations/{orgId}/move': (f) => ({
    path: `/api/v1/admin/organizations/${f.mover.orgId}/move`,
    token: ADMIN,
    bodies: [{ shard: 'SHARD_2' }],
    status: 202,
  }),
  'POST /api/v1/auth/session': (f) => ({ path: '/api/v1/auth/session', token: null, bodies: [{ apiKey: f.org.ownerKey }], status: 201 }),
  'POST /api/v1/organizations': () => ({
    path: '/api/v1/organizations',
    token: ADMIN,
    bodies: [{ name: unique('strict'), owner: { email: `${unique('strict')}@example.com`, name: 'Owner' } }],
    status: 201,
  }),
  'POST /api/v1/organizations/{orgId}/saved-views': (f) => ({
    path: `/api/v1/organizations/${f.org.orgId}/saved-views`,
    token: f.org.ownerKey,
    bodies: [{ name: unique('strict'), query: 'action=delete', scope: 'organization' }],
    status: 201,
  }),
  'PATCH /api/v1/organizations/{orgId}/saved-views/{viewId}': (f) => ({
    path: `/api/v1/organizations/${f.org.orgId}/saved-views/${f.savedViewId}`,
    token: f.org.ownerKey,
    bodies: [{ name: unique('strict'), query: 'action=sync' }],
    status: 200,
  }),
  'POST /api/v1/organizations/{orgId}/instances': (f) => ({
    path: `/api/v1/organizations/${f.org.orgId}/instances`,
    token: f.org.ownerKey,
    bodies: [{ type: 'argocd', name: unique('strict') }],
    status: 201,
  }),
  'POST /api/v1/organizations/{orgId}/members': (f) => ({
    path: `/api/v1/organizations/${f.org.orgId}/members`,
    token: f.org.ownerKey,
    bodies: [{ email: `${unique('strict')}@example.com`, name: 'New', role: 'member' }],
    status: 201,
  }),
  'PATCH /api/v1/organizations/{orgId}/members/{userId}': (f) => ({
    path: `/api/v1/organizations/${f.org.orgId}/members/${f.memberId}`,
    token: f.org.ownerKey,
    bodies: [{ role: 'admin' }],
    status: 200,
  }),
  'POST /api/v1/organizations/{orgId}/api-keys': (f) => ({
    path: `/api/v1/organizations/${f.org.orgId}/api-keys`,
    token: f.org.ownerKey,
    bodies: [{ name: 'k', role: 'ingest', instanceId: f.argocd, expiresAt: new Date(Date.now() + 86_400_000).toISOString() }],
    status: 201,
  }),
  'POST /api/v1/organizations/{orgId}/audit-logs': (f) => ({
    path: `/api/v1/organizations/${f.org.orgId}/audit-logs`,
    token: f.org.ownerKey,
    bodies: [makeEvent(0, { instanceId: f.argocd }), { items: [makeEvent(1, { instanceId: f.argocd })] }],
    status: 201,
  }),
  'PATCH /api/v1/organizations/{orgId}/audit-log-settings': (f) => ({
    path: `/api/v1/organizations/${f.org.orgId}/audit-log-settings`,
    token: f.org.ownerKey,
    bodies: [{ hotRetentionDays: 30, archiveRetentionDays: 0 }],
    status: 200,
  }),
  'POST /ext-api/v1/argocd/extensions/audit-records': (f) => ({
    path: '/ext-api/v1/argocd/extensions/audit-records',
    token: f.org.ownerKey,
    bodies: [{ instanceId: f.argocd, filters: { limit: 5, actorId: ['alice@example.com'], argocdApplication: { objectName: ['app-0'] } } }],
    status: 200,
  }),
  'POST /ext-api/v1/kargo/extensions/audit-records': (f) => ({
    path: '/ext-api/v1/kargo/extensions/audit-records',
    token: f.org.ownerKey,
    bodies: [{ instanceId: f.kargo, projectName: 'storefront', filters: { kargoPromotion: { enabled: true } } }],
    status: 200,
  }),
  'POST /api/v1/orgs/{orgId}/notification-configs': (f) => ({
    path: `/api/v1/orgs/${f.org.orgId}/notification-configs`,
    token: f.org.ownerKey,
    bodies: [
      {
        name: unique('strict'),
        webhook: { url: f.webhook.url, secret: 'secret-0123456789abcdef', filter: { events: ['audit'], filterArgocdInstanceNames: false } },
      },
    ],
    status: 201,
  }),
  'PUT /api/v1/orgs/{orgId}/notification-configs/{id}': (f) => ({
    path: `/api/v1/orgs/${f.org.orgId}/notification-configs/${f.webhook.id}`,
    token: f.org.ownerKey,
    bodies: [{ name: unique('strict'), webhook: { url: f.webhook.url, active: true, filter: { events: ['audit'] } } }],
    status: 200,
  }),
  'POST /api/v1/organizations/{orgId}/audit-log-streams': (f) => ({
    path: streamsPath(f.org),
    token: f.org.ownerKey,
    // One body per type, names made unique: each is accepted once.
    bodies: Object.values(f.stream.bodies).map((body) => ({ ...body, name: unique('strict-stream') })),
    status: 201,
  }),
  'PUT /api/v1/organizations/{orgId}/audit-log-streams/{id}': (f) => {
    const { secret: _, ...body } = f.stream.bodies.https;
    return { path: `${streamsPath(f.org)}/${f.stream.id}`, token: f.org.ownerKey, bodies: [body], status: 200 };
  },
  // Before the oidc-map: the map lives in the SSO configuration this creates.
  'PUT /api/v1/organizations/{orgId}/sso/configuration': (f) => ({
    path: `/api/v1/organizations/${f.org.orgId}/sso/configuration`,
    token: f.org.ownerKey,
    bodies: [ssoBody({ domain: f.ssoDomain })],
    status: 200,
  }),
  'PUT /api/v1/organizations/{orgId}/oidc-map': (f) => ({
    path: `/api/v1/organizations/${f.org.orgId}/oidc-map`,
    token: f.org.ownerKey,
    bodies: [{ entries: { owner: 'admins', auditor: 'audit' } }],
    status: 200,
  }),
};

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** The pointer (as the problem names fields: `a/0/b`) of every closed object in a body. */
function objectPointers(value: Json, path: string[] = []): string[][] {
  if (Array.isArray(value)) return value.flatMap((item, index) => objectPointers(item, [...path, String(index)]));
  if (value === null || typeof value !== 'object') return [];
  if (OPEN_OBJECTS.has(path.at(-1) ?? '')) return [];
  return [path, ...Object.entries(value).flatMap(([key, inner]) => objectPointers(inner, [...path, key]))];
}

/** A copy of `body` with EXTRA added to the object at `path`. */
function withExtra(body: Json, path: string[]): Json {
  const copy = structuredClone(body);
  let target: Json = copy;
  for (const key of path) target = (target as Record<string, Json>)[key] ?? null;
  (target as Record<string, Json>)[EXTRA] = 'x';
  return copy;
}

const TABLES = [
  'organizations',
  'users',
  'memberships',
  'api_keys',
  'instances',
  'sessions',
  'session_keys',
  'organization_settings',
  'notification_configs',
  'log_streams',
  'pending_events',
  'audit_events',
];

/** Row counts of every table a body could change, over every database (every change is also an audit event). */
async function snapshot(): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const [name, database] of Object.entries(DATABASES)) {
    for (const table of TABLES) {
      counts[`${name}.${table}`] = (await database.prepare(`SELECT count(*) AS n FROM ${table}`).first<{ n: number }>())?.n ?? 0;
    }
  }
  return counts;
}

interface PeopleFixture {
  accept: BodyCase;
  signIn: BodyCase;
  addPasskey: BodyCase;
}

/** Real WebAuthn ceremonies (a software authenticator), each ready for one accepted body. */
async function peopleFixture(org: TestOrg): Promise<PeopleFixture> {
  const joining = await invite(org, `${unique('strict-join')}@example.com`, 'member');
  const { options, ceremony } = await registrationCeremony(joining.token);
  const accept = {
    path: `/api/v1/invitations/${joining.token}/accept`,
    token: null,
    bodies: [{ response: await (await softwareAuthenticator()).register(options) }],
    status: 201,
    headers: browser(ceremony),
  };
  const person = await acceptWithPasskey((await invite(org, `${unique('strict-person')}@example.com`, 'member')).token);
  const signInOptions = await call('/api/v1/auth/passkey/options', { method: 'POST', headers: browser() });
  const signInCeremony = cookieFrom(signInOptions, 'audit_ceremony');
  const signIn = {
    path: '/api/v1/auth/passkey',
    token: null,
    bodies: [{ response: await person.authenticator.assert(await json(signInOptions, 200)) }],
    status: 201,
    headers: browser(signInCeremony),
  };
  const addOptions = await call('/api/v1/me/passkeys/options', { method: 'POST', headers: browser(person.session) });
  const addCeremony = cookieFrom(addOptions, 'audit_ceremony');
  const addPasskey = {
    path: '/api/v1/me/passkeys',
    token: null,
    bodies: [{ response: await (await softwareAuthenticator()).register(await json(addOptions, 200)), name: 'Second' }],
    status: 201,
    headers: browser(person.session, addCeremony),
  };
  return { accept, signIn, addPasskey };
}

let fixture: Fixture;

beforeAll(async () => {
  const org = await createOrg('strict');
  const argocd = await createInstance(org, 'argocd');
  const kargo = await createInstance(org, 'kargo');
  const member = await json<{ userId: string }>(
    await call(`/api/v1/organizations/${org.orgId}/members`, {
      method: 'POST',
      token: org.ownerKey,
      body: { email: `${unique('strict-member')}@example.com`, name: 'Member', role: 'member' },
    }),
    201,
  );
  const receiver = await hook();
  const config = await createWebhook(org, { url: receiver.url, secret: receiver.secret });
  const bodies = streamBodies(receiver, unique('strict-stream'));
  const stream = await createStream(org, { ...bodies.https, filter: { events: ['audit'], argocdInstanceNames: ['a'] } });
  fixture = {
    mover: await createOrg('strict-move', { shard: 'SHARD_1' }),
    org,
    argocd: argocd.id,
    kargo: kargo.id,
    memberId: member.userId,
    webhook: { id: config.id, url: receiver.url },
    stream: { id: stream.id, bodies: { ...bodies, https: { ...bodies.https, filter: { events: ['audit'] } } as typeof bodies.https } },
    ssoDomain: uniqueDomain(),
    people: await peopleFixture(org),
    savedViewId: (
      await json<{ id: string }>(
        await call(`/api/v1/organizations/${org.orgId}/saved-views`, {
          method: 'POST',
          token: org.ownerKey,
          body: { name: 'strict', query: '' },
        }),
        201,
      )
    ).id,
  };
});

describe('every JSON body refuses unknown fields', () => {
  it('has a valid body for every route of the OpenAPI document that takes JSON, and nothing else', async () => {
    const document = await json<{ paths: Record<string, Record<string, { requestBody?: { content?: Record<string, unknown> } }>> }>(
      await call('/api/openapi.json'),
      200,
    );
    const withBodies = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.entries(item)
        .filter(([, operation]) => operation.requestBody?.content?.['application/json'] !== undefined)
        .map(([method]) => `${method.toUpperCase()} ${path}`),
    );
    expect(withBodies.length).toBeGreaterThanOrEqual(12);
    expect(Object.keys(ROUTES).sort()).toEqual(withBodies.sort());
  });

  it('answers an extra field anywhere in a body with 422 naming it, changes nothing, and accepts the body without it', async () => {
    let refused = 0;
    for (const [route, make] of Object.entries(ROUTES)) {
      const { path, token, bodies, status, headers } = make(fixture);
      const method = route.split(' ')[0] ?? 'POST';
      for (const body of bodies as Json[]) {
        for (const at of objectPointers(body)) {
          const before = await snapshot();
          const response = await call(path, { method, token, body: withExtra(body, at), headers });
          const where = `${route} with ${[...at, EXTRA].join('/')}`;
          // No session or ceremony starts or ends (a session request's read-replication bookmark cookie is not state).
          expect(
            response.headers.getSetCookie().filter((line) => !line.startsWith('audit_bookmark=')),
            where,
          ).toEqual([]);
          const problem = await expectProblem(response, 422);
          expect(problem.errors, where).toEqual([{ pointer: [...at, EXTRA].join('/'), detail: 'is not a known field' }]);
          expect(await snapshot(), where).toEqual(before);
          refused += 1;
        }
        // The same body without the extra field is accepted: the extra field was the only fault.
        const accepted = await call(path, { method, token, body, headers });
        expect(accepted.status, `${route}: ${await accepted.clone().text()}`).toBe(status);
        await accepted.body?.cancel();
      }
    }
    // Every route, and the nested objects of the bodies that have them.
    expect(refused).toBeGreaterThanOrEqual(30);
  });

  it('refuses the reported case: an API key body naming another organization', async () => {
    const other = await createOrg('strict-other');
    const keys = `/api/v1/organizations/${fixture.org.orgId}/api-keys`;
    const listed = async () => (await json<{ apiKeys: unknown[] }>(await call(keys, { token: fixture.org.ownerKey }), 200)).apiKeys.length;
    const before = await listed();
    const problem = await expectProblem(
      await call(keys, { method: 'POST', token: fixture.org.ownerKey, body: { name: 'k', role: 'ingest', organizationId: other.orgId } }),
      422,
    );
    expect(problem.errors).toEqual([{ pointer: 'organizationId', detail: 'is not a known field' }]);
    expect(await listed()).toBe(before);
  });
});
