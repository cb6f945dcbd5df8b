import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { call, createOrg, json, type TestOrg, unique } from './helpers/api.ts';
import { account, callback, configureSso, ssoSignIn, start, throughProvider, uniqueDomain } from './helpers/sso.ts';

interface Me {
  user: { email: string };
  organizations: { id: string; role: string }[];
}

async function addMember(org: TestOrg, email: string, role = 'member') {
  await json(
    await call(`/api/v1/organizations/${org.orgId}/members`, { method: 'POST', token: org.ownerKey, body: { email, name: 'P', role } }),
    201,
  );
}

async function me(session: string | null): Promise<Me> {
  expect(session).not.toBeNull();
  return json<Me>(await call('/api/v1/me', { headers: { cookie: `audit_session=${session}` } }), 200);
}

async function ssoOrg(options: { autoAddMember?: boolean; tokenMode?: string; front?: boolean } = {}) {
  const org = await createOrg('sso');
  const domain = uniqueDomain();
  await configureSso(org, { domain, ...options });
  return { org, domain };
}

async function platformEvents(org: TestOrg, action: string) {
  const page = await json<{ items: { action: string; actor: { id: string }; details: Record<string, unknown>; credential?: unknown }[] }>(
    await call(`/api/v1/organizations/${org.orgId}/audit-logs?filters.limit=100`, { token: org.ownerKey }),
    200,
  );
  return page.items.filter((item) => item.action === action);
}

function failure(location: string) {
  const url = new URL(location, 'http://localhost:8787');
  expect(url.pathname).toBe('/sign-in');
  return { error: url.searchParams.get('error'), message: url.searchParams.get('message') ?? '' };
}

describe('SSO sign-in against the real OpenID provider', () => {
  it('signs a member in by email domain: a new session of method sso, a sign_in event, the organization reached', async () => {
    const { org, domain } = await ssoOrg();
    const email = `alice@${domain}`;
    await addMember(org, email, 'auditor');
    const { location, session } = await ssoSignIn(`email=${encodeURIComponent(email)}`, account({ email }));
    expect(location).toBe(`/orgs/${org.orgId}/audit-logs`);
    const who = await me(session);
    expect(who.user.email).toBe(email);
    expect(who.organizations.map((o) => [o.id, o.role])).toEqual([[org.orgId, 'auditor']]);
    const signIns = await platformEvents(org, 'sign_in');
    expect(signIns.some((event) => event.actor.id === email && event.details.method === 'sso')).toBe(true);
  });

  it('the start asks for code + PKCE S256 + state + nonce, passes login_hint, and keeps the state under an HttpOnly cookie', async () => {
    const { domain } = await ssoOrg();
    const email = `hint@${domain}`;
    const started = await start(`email=${encodeURIComponent(email)}`);
    const url = new URL(started.location);
    expect(url.searchParams.get('response_type')).toBe('code');
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('code_challenge')?.length).toBe(43);
    expect(url.searchParams.get('state')?.length).toBeGreaterThan(20);
    expect(url.searchParams.get('nonce')?.length).toBeGreaterThan(20);
    expect(url.searchParams.get('login_hint')).toBe(email);
    const cookie = started.response.headers.getSetCookie().find((c) => c.startsWith('audit_sso='));
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).toMatch(/Path=\/api\/v1\/auth\/sso/);
  });

  it('works with a public (front) client: PKCE only, no secret', async () => {
    const { org, domain } = await ssoOrg({ front: true });
    const email = `front@${domain}`;
    await addMember(org, email);
    const { location, session } = await ssoSignIn(`organizationId=${org.orgId}`, account({ email }));
    expect(location).toBe('/');
    expect((await me(session)).user.email).toBe(email);
  });

  it('matches the member whatever the case of the email the provider sends', async () => {
    const { org, domain } = await ssoOrg();
    await addMember(org, `carol@${domain}`);
    const { session } = await ssoSignIn(`organizationId=${org.orgId}`, account({ email: `CaRoL@${domain.toUpperCase()}` }));
    expect((await me(session)).user.email).toBe(`carol@${domain}`);
  });

  it('autoAddMember adds a person with the highest role whose groups they have, else member', async () => {
    const { org, domain } = await ssoOrg({ autoAddMember: true });
    await json(
      await call(`/api/v1/organizations/${org.orgId}/oidc-map`, {
        method: 'PUT',
        token: org.ownerKey,
        body: { entries: { admin: 'platform, ops', auditor: 'auditors' } },
      }),
      200,
    );
    const both = await ssoSignIn(`organizationId=${org.orgId}`, account({ email: `dan@${domain}`, groups: ['auditors', 'ops'] }));
    expect((await me(both.session)).organizations).toMatchObject([{ id: org.orgId, role: 'admin' }]);
    const none = await ssoSignIn(`organizationId=${org.orgId}`, account({ email: `erin@${domain}`, groups: ['sales'] }));
    expect((await me(none.session)).organizations).toMatchObject([{ id: org.orgId, role: 'member' }]);
    const added = await platformEvents(org, 'create');
    expect(added.some((event) => event.actor.id === `dan@${domain}` && event.details.role === 'admin')).toBe(true);
  });

  it('accepts a pending invitation of that organization and email (once), and not one of another organization', async () => {
    const { org, domain } = await ssoOrg();
    const other = await createOrg('sso-other');
    const email = `ivy@${domain}`;
    const now = Date.now();
    const invite = (id: string, organizationId: string, role: string) =>
      env.DB.prepare(
        'INSERT INTO invitations (id, organization_id, email, role, token_hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      )
        .bind(id, organizationId, email, role, unique('hash'), now, now + 86_400_000)
        .run();
    await invite(unique('inv'), other.orgId, 'owner');
    const elsewhere = await ssoSignIn(`organizationId=${org.orgId}`, account({ email }));
    expect(failure(elsewhere.location).error).toBe('not-a-member');
    const id = unique('inv');
    await invite(id, org.orgId, 'auditor');
    const { session } = await ssoSignIn(`organizationId=${org.orgId}`, account({ email }));
    expect((await me(session)).organizations).toMatchObject([{ id: org.orgId, role: 'auditor' }]);
    const row = await env.DB.prepare('SELECT accepted_at FROM invitations WHERE id = ?').bind(id).first<{ accepted_at: number | null }>();
    expect(row?.accepted_at).not.toBeNull();
    expect((await platformEvents(org, 'accept')).length).toBe(1);
  });

  it('starts a new session id at sign-in (fixation): a session cookie held before is not the one after, and it ends', async () => {
    const { org, domain } = await ssoOrg();
    const email = `fix@${domain}`;
    await addMember(org, email, 'owner');
    const first = await ssoSignIn(`organizationId=${org.orgId}`, account({ email }));
    const second = await ssoSignIn(`organizationId=${org.orgId}`, account({ email }), first.session ?? '');
    expect(second.session).not.toBeNull();
    expect(second.session).not.toBe(first.session);
    expect((await call('/api/v1/me', { headers: { cookie: `audit_session=${first.session}` } })).status).toBe(401);
    expect((await me(second.session)).user.email).toBe(email);
  });

  it('Test sign-in (owners): reports the outcome on the settings page and starts no session, adds nobody', async () => {
    const { org, domain } = await ssoOrg({ autoAddMember: true });
    const login = await call('/api/v1/auth/session', { method: 'POST', body: { apiKey: org.ownerKey } });
    const owner = login.headers.getSetCookie()[0]?.split(';')[0] ?? '';
    const started = await start(`organizationId=${org.orgId}&test=1`, owner);
    const back = await throughProvider(started.location, account({ email: `tess@${domain}` }));
    const response = await callback(back, started.handle);
    const location = new URL(response.headers.get('location') ?? '', 'http://localhost:8787');
    expect(location.pathname).toBe(`/orgs/${org.orgId}/settings/sso`);
    expect(Object.fromEntries(location.searchParams)).toEqual({ test: 'ok', email: `tess@${domain}`, role: 'member' });
    expect(response.headers.getSetCookie().some((c) => c.startsWith('audit_session='))).toBe(false);
    const members = await json<{ members: { email: string }[] }>(
      await call(`/api/v1/organizations/${org.orgId}/members`, { token: org.ownerKey }),
      200,
    );
    expect(members.members.map((m) => m.email)).not.toContain(`tess@${domain}`);
    // Without the owner's session, a test is refused before the provider is involved.
    const anonymous = await start(`organizationId=${org.orgId}&test=1`);
    expect(anonymous.location).toContain('test=failed');
  });
});

describe('hostile SSO sign-ins end on the sign-in page with the reason, and no session', () => {
  it('a replayed callback (same state and code) finds nothing', async () => {
    const { org, domain } = await ssoOrg();
    const email = `replay@${domain}`;
    await addMember(org, email);
    const { back, started, session } = await ssoSignIn(`organizationId=${org.orgId}`, account({ email }));
    expect(session).not.toBeNull();
    const again = await callback(back, started.handle);
    expect(failure(again.headers.get('location') ?? '').error).toBe('state-mismatch');
    expect(again.headers.getSetCookie().some((c) => c.startsWith('audit_session=') && !c.startsWith('audit_session=;'))).toBe(false);
  });

  it('a callback without the browser cookie of its start (login CSRF) is refused', async () => {
    const { org, domain } = await ssoOrg();
    const email = `csrf@${domain}`;
    await addMember(org, email);
    const started = await start(`organizationId=${org.orgId}`);
    const back = await throughProvider(started.location, account({ email }));
    const attacker = await start(`organizationId=${org.orgId}`);
    for (const handle of [null, attacker.handle]) {
      const response = await callback(back, handle);
      expect(failure(response.headers.get('location') ?? '').error, String(handle)).toMatch(/state-mismatch|bad-response/);
    }
  });

  for (const mode of ['alg-none', 'wrong-iss', 'wrong-aud', 'wrong-nonce', 'expired', 'foreign-key']) {
    it(`an ID token that is ${mode} is refused (and recorded as sign_in_failed)`, async () => {
      const { org, domain } = await ssoOrg({ tokenMode: mode });
      const email = `tamper@${domain}`;
      await addMember(org, email);
      const { location, session } = await ssoSignIn(`organizationId=${org.orgId}`, account({ email }));
      expect(session).toBeNull();
      expect(failure(location).error).toBe('token-rejected');
      expect((await platformEvents(org, 'sign_in_failed')).length).toBe(1);
    });
  }

  it('refuses an unverified email, an email of another domain and a Unicode look-alike of a member', async () => {
    const { org, domain } = await ssoOrg({ autoAddMember: true });
    await addMember(org, `bob@${domain}`, 'owner');
    const cases: [Record<string, unknown>, string][] = [
      [{ email: `bob@${domain}`, email_verified: false }, 'email-not-verified'],
      [{ email: 'bob@elsewhere-example.com' }, 'wrong-domain'],
      [{ email: `b\u043Eb@${domain}` }, 'no-email'],
      [{ email: `bob@${domain.replace('o', '\u043E')}` }, 'no-email'],
    ];
    for (const [claims, code] of cases) {
      const { location, session } = await ssoSignIn(`organizationId=${org.orgId}`, account(claims as { email: string }));
      expect(session, code).toBeNull();
      expect(failure(location).error, JSON.stringify(claims)).toBe(code);
    }
  });

  it('refuses a person who is no member when autoAddMember is off, and an unknown domain before the provider', async () => {
    const { org, domain } = await ssoOrg();
    const { location } = await ssoSignIn(`organizationId=${org.orgId}`, account({ email: `nobody@${domain}` }));
    expect(failure(location)).toMatchObject({ error: 'not-a-member' });
    const unknown = await start(`email=someone@${uniqueDomain()}`);
    expect(failure(unknown.location).error).toBe('unknown-domain');
  });

  it("a provider's error answer (access_denied) is a failure with the provider's words", async () => {
    const { org } = await ssoOrg();
    const started = await start(`organizationId=${org.orgId}`);
    const state = new URL(started.location).searchParams.get('state') ?? '';
    const back = new URL(
      `http://localhost:8787/api/v1/auth/sso/callback?error=access_denied&error_description=User+cancelled&state=${state}&iss=${encodeURIComponent(env.OIDC_ISSUER)}`,
    );
    const response = await callback(back, started.handle);
    const { error, message } = failure(response.headers.get('location') ?? '');
    expect(error).toBe('provider-refused');
    expect(message).toContain('access_denied');
  });
});
