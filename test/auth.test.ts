import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { ADMIN, call, createKey, createOrg, expectProblem, json, unique } from './helpers/api.ts';

interface Me {
  user: { id: string; email: string; name: string } | null;
  organizations: { id: string; name: string; role: string }[];
}

function sessionCookie(response: Response): string {
  const header = response.headers.get('set-cookie') ?? '';
  const match = /audit_session=([^;]+)/.exec(header);
  if (!match?.[1]) throw new Error(`no session cookie in ${header}`);
  return `audit_session=${match[1]}`;
}

async function signIn(apiKey: string): Promise<string> {
  return sessionCookie(await call('/api/v1/auth/session', { method: 'POST', body: { apiKey } }));
}

describe('API key authentication', () => {
  it('returns the owner and their organization for a valid key', async () => {
    const org = await createOrg('me');
    const me = await json<Me>(await call('/api/v1/me', { token: org.ownerKey }), 200);
    expect(me.user?.email).toBe(org.ownerEmail);
    expect(me.organizations).toEqual([expect.objectContaining({ id: org.orgId, role: 'owner' })]);
  });

  it('rejects a missing credential with 401', async () => {
    const problem = await expectProblem(await call('/api/v1/me'), 401);
    expect(problem.detail).toMatch(/Authorization: Bearer/);
  });

  it('rejects a malformed Authorization header with 401', async () => {
    await expectProblem(await call('/api/v1/me', { headers: { authorization: 'Basic dXNlcjpwYXNz' } }), 401);
    await expectProblem(await call('/api/v1/me', { headers: { authorization: 'Bearer' } }), 401);
  });

  it('rejects an unknown key with 401', async () => {
    await expectProblem(await call('/api/v1/me', { token: 'alk_not-a-real-key' }), 401);
  });

  it('rejects a revoked key with 401', async () => {
    const org = await createOrg('revoked');
    const key = await createKey(org, 'member');
    expect((await call('/api/v1/me', { token: key.secret })).status).toBe(200);
    expect((await call(`/api/v1/organizations/${org.orgId}/api-keys/${key.id}`, { method: 'DELETE', token: org.ownerKey })).status).toBe(
      204,
    );
    const problem = await expectProblem(await call('/api/v1/me', { token: key.secret }), 401);
    expect(problem.detail).toMatch(/revoked/);
  });

  it('rejects an expired key with 401', async () => {
    const org = await createOrg('expired');
    const key = await createKey(org, 'admin', { expiresAt: new Date(Date.now() + 3_600_000).toISOString() });
    expect((await call('/api/v1/me', { token: key.secret })).status).toBe(200);
    // Time travel: move the expiry into the past instead of waiting an hour.
    await env.DB.prepare('UPDATE api_keys SET expires_at = ? WHERE id = ?')
      .bind(Date.now() - 1000, key.id)
      .run();
    const problem = await expectProblem(await call('/api/v1/me', { token: key.secret }), 401);
    expect(problem.detail).toMatch(/expired/);
  });

  it('refuses an expiry in the past when creating a key', async () => {
    const org = await createOrg('past');
    const problem = await expectProblem(
      await call(`/api/v1/organizations/${org.orgId}/api-keys`, {
        method: 'POST',
        token: org.ownerKey,
        body: { name: 'k', role: 'member', expiresAt: '2020-01-01T00:00:00Z' },
      }),
      422,
    );
    expect(problem.errors?.[0]?.pointer).toBe('expiresAt');
  });

  it('stops a key working once its user leaves the organization', async () => {
    const org = await createOrg('leaver');
    const other = await json<{ userId: string }>(
      await call(`/api/v1/organizations/${org.orgId}/members`, {
        method: 'POST',
        token: org.ownerKey,
        body: { email: `${unique('co')}@example.com`, name: 'Co Owner', role: 'owner' },
      }),
      201,
    );
    const me = await json<Me>(await call('/api/v1/me', { token: org.ownerKey }), 200);
    // The co-owner removes the original owner; the original owner's key must die with the membership.
    const coOwnerKey = await createKey(org, 'owner');
    expect(other.userId).toBeTruthy();
    expect(
      (await call(`/api/v1/organizations/${org.orgId}/members/${me.user?.id}`, { method: 'DELETE', token: coOwnerKey.secret })).status,
    ).toBe(204);
    await expectProblem(await call('/api/v1/me', { token: org.ownerKey }), 401);
  });

  it('records last_used_at on use', async () => {
    const org = await createOrg('lastused');
    const key = await createKey(org, 'member');
    await call('/api/v1/me', { token: key.secret });
    await expect
      .poll(
        async () =>
          (await env.DB.prepare('SELECT last_used_at FROM api_keys WHERE id = ?').bind(key.id).first<{ last_used_at: number | null }>())
            ?.last_used_at,
      )
      .toBeGreaterThan(0);
  });

  it('never stores the secret, only its SHA-256', async () => {
    const org = await createOrg('hash');
    const key = await createKey(org, 'member');
    const row = await env.DB.prepare('SELECT secret_hash, prefix FROM api_keys WHERE id = ?')
      .bind(key.id)
      .first<{ secret_hash: string; prefix: string }>();
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(key.secret)));
    expect(row?.secret_hash).toBe([...digest].map((b) => b.toString(16).padStart(2, '0')).join(''));
    expect(key.secret.startsWith(row?.prefix ?? '-')).toBe(true);
    const listed = await call(`/api/v1/organizations/${org.orgId}/api-keys`, { token: org.ownerKey });
    expect(await listed.text()).not.toContain(key.secret);
  });
});

describe('sessions', () => {
  it('signs in with a key, sets a hardened cookie, and signs out for real', async () => {
    const org = await createOrg('session');
    const response = await call('/api/v1/auth/session', { method: 'POST', body: { apiKey: org.ownerKey } });
    expect(response.status).toBe(201);
    const setCookie = response.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Lax/i);
    expect(setCookie).not.toMatch(/Secure/i); // plain-http localhost only
    const cookie = sessionCookie(response);

    const me = await json<Me>(await call('/api/v1/me', { headers: { cookie } }), 200);
    expect(me.user?.email).toBe(org.ownerEmail);

    const out = await call('/api/v1/auth/session', { method: 'DELETE', headers: { cookie, origin: 'http://localhost:8787' } });
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toMatch(/audit_session=;/);
    // The server-side row is gone: replaying the old cookie fails.
    await expectProblem(await call('/api/v1/me', { headers: { cookie } }), 401);
  });

  it('marks the cookie Secure outside localhost', async () => {
    const org = await createOrg('secure');
    const { exports } = await import('cloudflare:workers');
    const response = await exports.default.fetch(
      new Request('https://audit.example.com/api/v1/auth/session', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ apiKey: org.ownerKey }),
      }),
    );
    expect(response.status).toBe(201);
    expect(response.headers.get('set-cookie')).toMatch(/Secure/);
  });

  it('rejects a bad key at sign-in with 401 and sets no cookie', async () => {
    const response = await call('/api/v1/auth/session', { method: 'POST', body: { apiKey: 'alk_wrong' } });
    await expectProblem(response, 401);
    expect(response.headers.get('set-cookie')).toBeNull();
  });

  it('does not let ingest keys sign in', async () => {
    const org = await createOrg('ingest-signin');
    const ingest = await createKey(org, 'ingest');
    await expectProblem(await call('/api/v1/auth/session', { method: 'POST', body: { apiKey: ingest.secret } }), 403);
  });

  it('keeps a session as narrow as the key it came from', async () => {
    const org = await createOrg('narrow');
    const member = await createKey(org, 'member');
    const cookie = await signIn(member.secret);
    const me = await json<Me>(await call('/api/v1/me', { headers: { cookie } }), 200);
    expect(me.organizations).toEqual([expect.objectContaining({ id: org.orgId, role: 'member' })]);
    await expectProblem(await call(`/api/v1/organizations/${org.orgId}/api-keys`, { headers: { cookie } }), 403);
  });

  it("keeps each key to its organization: a second organization's key starts a new session that carries the first over", async () => {
    const first = await createOrg('multi');
    const second = await json<{ organization: { id: string }; ownerApiKey: string }>(
      await call('/api/v1/organizations', {
        method: 'POST',
        token: ADMIN,
        body: { name: unique('second'), owner: { email: first.ownerEmail, name: 'Owner' } },
      }),
      201,
    );
    const cookie = await signIn(first.ownerKey);
    const ids = async (session: string) =>
      (await json<Me>(await call('/api/v1/me', { headers: { cookie: session } }), 200)).organizations.map((org) => org.id).sort();
    expect(await ids(cookie)).toEqual([first.orgId]);
    await expectProblem(await call(`/api/v1/organizations/${second.organization.id}/audit-logs`, { headers: { cookie } }), 403);
    // Signing in again with the other organization's key (same user): a new session (a sign-in never
    // keeps an id that may have been planted) that reaches both; the old one has ended.
    const joined = await call('/api/v1/auth/session', {
      method: 'POST',
      body: { apiKey: second.ownerApiKey },
      headers: { cookie, origin: 'http://localhost:8787' },
    });
    expect(joined.status).toBe(201);
    const renewed = joined.headers
      .getSetCookie()
      .map((set) => set.split(';')[0] ?? '')
      .find((pair) => pair.startsWith('audit_session='));
    expect(renewed).toBeDefined();
    expect(renewed).not.toBe(cookie);
    const newCookie = renewed ?? '';
    expect(await ids(newCookie)).toEqual([first.orgId, second.organization.id].sort());
    expect((await call(`/api/v1/organizations/${second.organization.id}/audit-logs`, { headers: { cookie: newCookie } })).status).toBe(200);
    await expectProblem(await call('/api/v1/me', { headers: { cookie } }), 401);
  });

  it('a second key of the same organization takes the place of the first in the new session', async () => {
    const org = await createOrg('same-org-keys');
    const second = await createKey(org, 'auditor');
    const first = await signIn(org.ownerKey);
    const renewed = await call('/api/v1/auth/session', {
      method: 'POST',
      body: { apiKey: second.secret },
      headers: { cookie: first, origin: 'http://localhost:8787' },
    });
    expect(renewed.status).toBe(201);
    const cookie = renewed.headers
      .getSetCookie()
      .map((set) => set.split(';')[0] ?? '')
      .find((pair) => pair.startsWith('audit_session='));
    const me = await json<Me>(await call('/api/v1/me', { headers: { cookie: cookie ?? '' } }), 200);
    // One key per organization: the auditor key, not the owner key it replaced.
    expect(me.organizations).toEqual([expect.objectContaining({ id: org.orgId, role: 'auditor' })]);
    const held = await env.DB.prepare(
      'SELECT count(*) AS n FROM session_keys WHERE token_hash = (SELECT token_hash FROM sessions WHERE api_key_id = ? ORDER BY created_at DESC LIMIT 1)',
    )
      .bind(second.id)
      .first<{ n: number }>();
    expect(held?.n).toBe(1);
  });

  it('ends sessions when their key is revoked', async () => {
    const org = await createOrg('revoke-session');
    const admin = await createKey(org, 'admin');
    const cookie = await signIn(admin.secret);
    expect((await call('/api/v1/me', { headers: { cookie } })).status).toBe(200);
    await call(`/api/v1/organizations/${org.orgId}/api-keys/${admin.id}`, { method: 'DELETE', token: org.ownerKey });
    await expectProblem(await call('/api/v1/me', { headers: { cookie } }), 401);
  });

  it('ends sessions when they expire', async () => {
    const org = await createOrg('session-expiry');
    const cookie = await signIn(org.ownerKey);
    await env.DB.prepare('UPDATE sessions SET expires_at = ? WHERE api_key_id IN (SELECT id FROM api_keys WHERE organization_id = ?)')
      .bind(Date.now() - 1, org.orgId)
      .run();
    await expectProblem(await call('/api/v1/me', { headers: { cookie } }), 401);
  });

  it('refuses cookie-authenticated writes from another origin (CSRF)', async () => {
    const org = await createOrg('csrf');
    const cookie = await signIn(org.ownerKey);
    const body = { type: 'argocd', name: 'csrf-test' };
    await expectProblem(
      await call(`/api/v1/organizations/${org.orgId}/instances`, {
        method: 'POST',
        body,
        headers: { cookie, origin: 'https://evil.example' },
      }),
      403,
    );
    await expectProblem(await call(`/api/v1/organizations/${org.orgId}/instances`, { method: 'POST', body, headers: { cookie } }), 403);
    const ok = await call(`/api/v1/organizations/${org.orgId}/instances`, {
      method: 'POST',
      body,
      headers: { cookie, origin: 'http://localhost:8787' },
    });
    expect(ok.status).toBe(201);
  });
});
