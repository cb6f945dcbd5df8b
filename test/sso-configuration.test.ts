import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { ADMIN, call, createOrg, expectProblem, json, type TestOrg } from './helpers/api.ts';
import { account, CLIENT, configureSso, ssoBody, ssoSignIn, uniqueDomain } from './helpers/sso.ts';

const path = (org: TestOrg) => `/api/v1/organizations/${org.orgId}/sso/configuration`;

async function apiKeySession(org: TestOrg): Promise<string> {
  const response = await call('/api/v1/auth/session', { method: 'POST', body: { apiKey: org.ownerKey } });
  expect(response.status).toBe(201);
  return response.headers.getSetCookie()[0]?.split(';')[0] ?? '';
}

async function accessToken(claims: Record<string, unknown>, query = ''): Promise<string> {
  const response = await fetch(`${env.OIDC_TEST_SERVER}/sign${query}`, { method: 'POST', body: JSON.stringify(claims) });
  return response.text();
}

describe('SSO configuration API', () => {
  it('stores the configuration, never returns the secret, keeps it encrypted bound to the organization, and records events', async () => {
    const org = await createOrg('ssoconf');
    const domain = uniqueDomain();
    const saved = await configureSso(org, { domain, domainAliases: [`ALIAS.${domain}`] });
    expect(JSON.stringify(saved)).not.toContain(CLIENT.secret);
    const read = await json<Record<string, { domainAliases?: string[] }>>(await call(path(org), { token: org.ownerKey }), 200);
    expect(JSON.stringify(read)).not.toContain(CLIENT.secret);
    expect(read.oidc?.domainAliases).toEqual([`alias.${domain}`]);
    const row = await env.DB.prepare('SELECT client_secret_ciphertext AS c FROM sso_configurations WHERE organization_id = ?')
      .bind(org.orgId)
      .first<{ c: string }>();
    expect(row?.c).toMatch(/^v1\./);
    expect(row?.c).not.toContain(CLIENT.secret);
    // Without clientSecret the stored secret stays, and sign-in still works with it.
    const body = ssoBody({ domain, enforceSso: false });
    delete body.oidc.back?.clientSecret;
    await json(await call(path(org), { method: 'PUT', token: org.ownerKey, body }), 200);
    await json(
      await call(`/api/v1/organizations/${org.orgId}/members`, {
        method: 'POST',
        token: org.ownerKey,
        body: { email: `kept@${domain}`, name: 'K', role: 'member' },
      }),
      201,
    );
    expect((await ssoSignIn(`organizationId=${org.orgId}`, account({ email: `kept@${domain}` }))).session).not.toBeNull();
    const events = await json<{ items: { object: { type: string }; action: string }[] }>(
      await call(`/api/v1/organizations/${org.orgId}/audit-logs?filters.limit=100`, { token: org.ownerKey }),
      200,
    );
    expect(events.items.filter((e) => e.object.type === 'sso_configuration').map((e) => e.action)).toContain('create');
    expect((await call(path(org), { method: 'DELETE', token: org.ownerKey })).status).toBe(204);
    await expectProblem(await call(path(org), { token: org.ownerKey }), 404);
  });

  it('refuses bad configurations with 422 and a domain another organization has with 409, changing nothing', async () => {
    const org = await createOrg('ssoconf');
    const other = await createOrg('ssoconf');
    const domain = uniqueDomain();
    const both = ssoBody({ domain }) as { oidc: Record<string, unknown> };
    both.oidc.front = {};
    const noSecret = ssoBody({ domain });
    delete noSecret.oidc.back?.clientSecret;
    const plainHttp = ssoBody({ domain });
    plainHttp.oidc.discoveryUrl = 'http://login.example.net/.well-known/openid-configuration';
    const badDomain = ssoBody({ domain: 'not a domain' });
    for (const body of [both, noSecret, plainHttp, badDomain]) {
      await expectProblem(await call(path(org), { method: 'PUT', token: org.ownerKey, body }), 422);
    }
    await expectProblem(await call(path(org), { token: org.ownerKey }), 404);
    await configureSso(other, { domain });
    const taken = await expectProblem(await call(path(org), { method: 'PUT', token: org.ownerKey, body: ssoBody({ domain }) }), 409);
    expect(taken.type).toBe('urn:problem:audit-logs:sso-domain-taken');
  });

  it('the OIDC map: 404 before SSO is configured, only known roles, stored as sent', async () => {
    const org = await createOrg('ssomap');
    const map = `/api/v1/organizations/${org.orgId}/oidc-map`;
    await expectProblem(await call(map, { method: 'PUT', token: org.ownerKey, body: { entries: { owner: 'a' } } }), 404);
    await configureSso(org, { domain: uniqueDomain() });
    await expectProblem(await call(map, { method: 'PUT', token: org.ownerKey, body: { entries: { superuser: 'a' } } }), 422);
    await json(await call(map, { method: 'PUT', token: org.ownerKey, body: { entries: { owner: 'admins', auditor: 'audit,sec' } } }), 200);
    expect(await json(await call(map, { token: org.ownerKey }), 200)).toEqual({ entries: { owner: 'admins', auditor: 'audit,sec' } });
  });
});

describe('enforceSso on every transport', () => {
  it('ends non-SSO sessions at once, refuses API-key sign-in, keeps Bearer keys, and lets SSO sessions in', async () => {
    const org = await createOrg('enforce');
    const domain = uniqueDomain();
    const before = await apiKeySession(org);
    const orgPath = `/api/v1/organizations/${org.orgId}/members`;
    expect((await call(orgPath, { headers: { cookie: before } })).status).toBe(200);
    await configureSso(org, { domain, enforceSso: true });
    const ended = await expectProblem(await call(orgPath, { headers: { cookie: before } }), 403);
    expect(ended.type).toBe('urn:problem:audit-logs:sso-required');
    const signIn = await expectProblem(await call('/api/v1/auth/session', { method: 'POST', body: { apiKey: org.ownerKey } }), 403);
    expect(signIn.type).toBe('urn:problem:audit-logs:sso-required');
    expect((await call(orgPath, { token: org.ownerKey })).status).toBe(200);
    const email = `sso-user@${domain}`;
    await json(await call(orgPath, { method: 'POST', token: org.ownerKey, body: { email, name: 'S', role: 'auditor' } }), 201);
    const { session } = await ssoSignIn(`email=${email}`, account({ email }));
    expect((await call(`/api/v1/organizations/${org.orgId}/audit-logs`, { headers: { cookie: `audit_session=${session}` } })).status).toBe(
      200,
    );
    // Cloudflare Access proves who is at the door, not that they came through this organization's SSO.
    const viaAccess = await call(orgPath, { headers: { 'cf-access-jwt-assertion': await accessToken({ email, sub: 'acc-1' }) } });
    expect((await expectProblem(viaAccess, 403)).type).toBe('urn:problem:audit-logs:sso-required');
  });
});

describe('Cloudflare Access', () => {
  it('a valid token is the member it names, with their current role; what they do is recorded with credential access', async () => {
    const org = await createOrg('access');
    const email = `acc-${org.orgId.toLowerCase()}@example.com`;
    await json(
      await call(`/api/v1/organizations/${org.orgId}/members`, {
        method: 'POST',
        token: org.ownerKey,
        body: { email, name: 'A', role: 'admin' },
      }),
      201,
    );
    const token = await accessToken({ email: email.toUpperCase(), sub: 'access-sub-1' });
    const me = await json<{ user: { email: string }; organizations: { id: string; role: string }[] }>(
      await call('/api/v1/me', { headers: { 'cf-access-jwt-assertion': token } }),
      200,
    );
    expect(me.user.email).toBe(email);
    expect(me.organizations).toMatchObject([{ id: org.orgId, role: 'admin' }]);
    await json(
      await call(`/api/v1/organizations/${org.orgId}/instances`, {
        method: 'POST',
        headers: { 'cf-access-jwt-assertion': token },
        body: { type: 'argocd', name: `via-access-${Date.now()}` },
      }),
      201,
    );
    const events = await json<{ items: { actor: { id: string }; action: string; object: { type: string } }[] }>(
      await call(`/api/v1/organizations/${org.orgId}/audit-logs?filters.limit=100`, { token: org.ownerKey }),
      200,
    );
    expect(events.items.some((e) => e.actor.id === email && e.object.type === 'argocd_instance')).toBe(true);
    const shardRows = await Promise.all(
      ['DB', 'SHARD_1', 'SHARD_2'].map((binding) =>
        (env[binding as 'DB'] as D1Database)
          .prepare(
            "SELECT credential_type AS t, credential_id AS i FROM audit_events WHERE actor_id = ? AND object_type = 'argocd_instance'",
          )
          .bind(email)
          .all<{ t: string; i: string }>(),
      ),
    );
    expect(shardRows.flatMap((r) => r.results)).toEqual([{ t: 'access', i: 'access-sub-1' }]);
  });

  it('refuses a forged, unsigned, expired, foreign-audience or foreign-issuer token, and an email that is no member, with 401', async () => {
    const org = await createOrg('access');
    const email = `acc2-${org.orgId.toLowerCase()}@example.com`;
    await json(
      await call(`/api/v1/organizations/${org.orgId}/members`, {
        method: 'POST',
        token: org.ownerKey,
        body: { email, name: 'A', role: 'owner' },
      }),
      201,
    );
    const now = Math.floor(Date.now() / 1000);
    const bad = [
      await accessToken({ email }, '?key=foreign'),
      await accessToken({ email }, '?alg=none'),
      await accessToken({ email, iat: now - 7200, exp: now - 3600 }),
      await accessToken({ email, aud: ['another-application'] }),
      await accessToken({ email, iss: 'https://evil.cloudflareaccess.com' }),
      await accessToken({ email: 'stranger@example.com' }),
      'not-a-jwt',
    ];
    for (const token of bad) {
      await expectProblem(await call(`/api/v1/organizations/${org.orgId}/members`, { headers: { 'cf-access-jwt-assertion': token } }), 401);
    }
  });
});

describe('API-key sign-in and enforceSso across one person’s organizations', () => {
  it('refuses only the key of the organization that enforces SSO; the same person’s key of another one signs in and reaches only it', async () => {
    const free = await createOrg('ssofree');
    // A second organization of the same person (the platform admin names them owner there too).
    const created = await json<{ organization: { id: string }; ownerApiKey: string }>(
      await call('/api/v1/organizations', {
        method: 'POST',
        token: ADMIN,
        body: { name: `${free.orgId}-enforcing`, owner: { email: free.ownerEmail, name: 'Owner' } },
      }),
      201,
    );
    const enforcing: TestOrg = { ...free, orgId: created.organization.id, ownerKey: created.ownerApiKey };
    await configureSso(enforcing, { domain: uniqueDomain(), enforceSso: true });

    const refused = await expectProblem(await call('/api/v1/auth/session', { method: 'POST', body: { apiKey: enforcing.ownerKey } }), 403);
    expect(refused.type).toBe('urn:problem:audit-logs:sso-required');
    const signedIn = await call('/api/v1/auth/session', { method: 'POST', body: { apiKey: free.ownerKey } });
    const me = await json<{ organizations: { id: string; role: string }[] }>(signedIn, 201);
    expect(me.organizations).toEqual([{ id: free.orgId, name: expect.any(String), role: 'owner' }]);
    const cookie = signedIn.headers.getSetCookie()[0]?.split(';')[0] ?? '';
    // Signed in already, the enforcing organization's key is still refused, and the session keeps what it had.
    const again = await call('/api/v1/auth/session', {
      method: 'POST',
      headers: { cookie, origin: 'http://localhost:8787' },
      body: { apiKey: enforcing.ownerKey },
    });
    expect((await expectProblem(again, 403)).type).toBe('urn:problem:audit-logs:sso-required');
    expect((await call(`/api/v1/organizations/${free.orgId}/members`, { headers: { cookie } })).status).toBe(200);
    expect((await call(`/api/v1/organizations/${enforcing.orgId}/members`, { headers: { cookie } })).status).toBe(403);
  });
});
