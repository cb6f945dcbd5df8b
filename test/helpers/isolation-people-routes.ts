/**
 * The isolation matrix's people routes (test/isolation-matrix.test.ts): members, sign-in (API key,
 * passkeys, one-time links, SSO), sessions, invitations and SSO configuration.
 */
import { call, json, unique } from './api.ts';
import type { Fixture } from './isolation-callers.ts';
import { BAD, denied, everyone, managers, org, ownersOnly, personOnly, type RouteCase, readers } from './isolation-expectations.ts';
import { invitation, STRANGE_ASSERTION, signInLinkToken } from './isolation-people.ts';
import { ssoBody } from './sso.ts';

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

export const PEOPLE_ROUTES: Record<string, RouteCase> = {
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
