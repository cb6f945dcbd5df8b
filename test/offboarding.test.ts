import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { ApiKey, Me } from '../worker/contract/index.ts';
import { ADMIN, call, createKey, createOrg, expectProblem, json, type TestOrg } from './helpers/api.ts';
import { makeEvent, storedEvents } from './helpers/events.ts';

const ORIGIN = 'http://localhost:8787';

async function signIn(apiKey: string, cookie?: string): Promise<string> {
  const headers: Record<string, string> = cookie ? { cookie, origin: ORIGIN } : {};
  const response = await call('/api/v1/auth/session', { method: 'POST', body: { apiKey }, headers });
  expect(response.status, await response.clone().text()).toBe(201);
  const token = /audit_session=([^;]+)/.exec(response.headers.get('set-cookie') ?? '')?.[1];
  return token ? `audit_session=${token}` : (cookie ?? '');
}

async function userId(key: string): Promise<string> {
  const me = await json<Me>(await call('/api/v1/me', { token: key }), 200);
  if (!me.user) throw new Error('the key has no user');
  return me.user.id;
}

async function listedKeys(org: TestOrg): Promise<ApiKey[]> {
  return (await json<{ apiKeys: ApiKey[] }>(await call(`/api/v1/organizations/${org.orgId}/api-keys`, { token: ADMIN }), 200)).apiKeys;
}

const members = (org: TestOrg) => `/api/v1/organizations/${org.orgId}/members`;

/** What a leaver had: the owner key of their organization, a key of every role, and a session per key. */
async function leaver(label: string) {
  const org = await createOrg(label);
  const keys = {
    owner: { id: org.ownerKeyId, secret: org.ownerKey },
    admin: await createKey(org, 'admin'),
    auditor: await createKey(org, 'auditor'),
    member: await createKey(org, 'member'),
    ingest: await createKey(org, 'ingest'),
  };
  const cookies = [];
  for (const role of ['owner', 'admin', 'auditor', 'member'] as const) cookies.push(await signIn(keys[role].secret));
  const id = await userId(org.ownerKey);
  // A co-owner (the platform admin acts as one) stays, so the leaver is not the last owner.
  await json(
    await call(members(org), { method: 'POST', token: ADMIN, body: { email: `co-${org.ownerEmail}`, name: 'Co', role: 'owner' } }),
    201,
  );
  return { org, keys, cookies, id };
}

/** Every way the leaver's credentials could reach the organization: each must be refused. */
async function expectNoAccess(org: TestOrg, keys: Record<string, { id: string; secret: string }>, cookies: string[], when: string) {
  for (const [role, key] of Object.entries(keys)) {
    const response =
      role === 'ingest'
        ? await call(`/api/v1/organizations/${org.orgId}/audit-logs`, { method: 'POST', token: key.secret, body: makeEvent(0) })
        : await call(members(org), { token: key.secret });
    expect(response.status, `${when}: ${role} key`).toBe(401);
    await response.body?.cancel();
    const basic = await call(members(org), { headers: { authorization: `Basic ${btoa(`${key.id}:${key.secret}`)}` } });
    expect(basic.status, `${when}: ${role} key as Basic`).toBe(401);
    await basic.body?.cancel();
  }
  for (const [index, cookie] of cookies.entries()) {
    const response = await call(members(org), { headers: { cookie } });
    expect([401, 403], `${when}: session ${index}`).toContain(response.status);
    await response.body?.cancel();
    // Nor does a cookie sign back in to the organization by itself.
    const me = await call('/api/v1/me', { headers: { cookie } });
    if (me.status === 200)
      expect(
        (await me.json<Me>()).organizations.map((entry) => entry.id),
        `${when}: /me ${index}`,
      ).not.toContain(org.orgId);
    else expect(me.status, `${when}: /me ${index}`).toBe(401);
  }
}

describe('offboarding: removing a member revokes for good', () => {
  it('revokes every key the member created (listed as revoked, recorded) and ends their sessions at once', async () => {
    const { org, keys, cookies, id } = await leaver('offboard');
    // A key the platform admin made is nobody's: it stays.
    const kept = await json<{ id: string; secret: string }>(
      await call(`/api/v1/organizations/${org.orgId}/api-keys`, {
        method: 'POST',
        token: ADMIN,
        body: { name: 'service', role: 'member' },
      }),
      201,
    );
    const before = Date.now();
    expect((await call(`${members(org)}/${id}`, { method: 'DELETE', token: ADMIN })).status).toBe(204);

    await expectNoAccess(org, keys, cookies, 'removed');
    const listed = await listedKeys(org);
    for (const key of Object.values(keys)) {
      const entry = listed.find((candidate) => candidate.id === key.id);
      expect(entry?.revokedAt, `key ${key.id}`).not.toBeNull();
      expect(Date.parse(entry?.revokedAt ?? '')).toBeGreaterThanOrEqual(before - 1000);
    }
    expect((await call(members(org), { token: kept.secret })).status).toBe(200);
    const adminKey = listed.find((candidate) => candidate.id === kept.id);
    expect(adminKey?.userId).toBeNull();
    expect(adminKey?.revokedAt).toBeNull();
    // Each revocation is recorded like a DELETE of the key, after the removal it follows from.
    const events = await storedEvents(org.orgId);
    const removal = events.findIndex((event) => event.action === 'delete' && event.object_type === 'member');
    expect(removal).toBeGreaterThan(0);
    expect(
      events
        .slice(removal + 1)
        .filter((event) => event.action === 'delete' && event.object_type === 'api_key')
        .map((event) => event.object_name)
        .sort(),
    ).toEqual(['Owner key', 'admin key', 'auditor key', 'ingest key', 'member key']);
    // No session row still holds one of the keys.
    const held = await env.DB.prepare(
      `SELECT count(*) AS n FROM session_keys WHERE api_key_id IN (SELECT id FROM api_keys WHERE organization_id = ? AND user_id = ?)`,
    )
      .bind(org.orgId, id)
      .first<{ n: number }>();
    expect(held?.n).toBe(0);
  });

  it('brings nothing back when the same email is added again, nor when it is promoted back to owner', async () => {
    const { org, keys, cookies, id } = await leaver('readd');
    expect((await call(`${members(org)}/${id}`, { method: 'DELETE', token: ADMIN })).status).toBe(204);
    // Added again with a lower role, then promoted to what they had: the old credentials stay dead.
    const again = await json<{ userId: string; role: string }>(
      await call(members(org), { method: 'POST', token: ADMIN, body: { email: org.ownerEmail, name: 'Back', role: 'member' } }),
      201,
    );
    expect(again.userId).toBe(id);
    await expectNoAccess(org, keys, cookies, 're-added as member');
    await json(await call(`${members(org)}/${id}`, { method: 'PATCH', token: ADMIN, body: { role: 'owner' } }), 200);
    await expectNoAccess(org, keys, cookies, 'promoted back to owner');
    const audit = await call(`/api/v1/organizations/${org.orgId}/audit-logs`, { token: keys.owner.secret });
    await expectProblem(audit, 401);
    expect((await listedKeys(org)).filter((key) => key.userId === id).every((key) => key.revokedAt !== null)).toBe(true);
  });

  it('ends only the removed organization: the same person keeps their keys and session in another one', async () => {
    const { org, keys, id } = await leaver('offboard-a');
    // The same person owns a second organization, and one session holds both organizations.
    const other = await json<{ organization: { id: string }; ownerApiKey: string; ownerApiKeyId: string }>(
      await call('/api/v1/organizations', {
        method: 'POST',
        token: ADMIN,
        body: { name: 'B', owner: { email: org.ownerEmail, name: 'Owner' } },
      }),
      201,
    );
    const orgB: TestOrg = { ...org, orgId: other.organization.id, ownerKey: other.ownerApiKey, ownerKeyId: other.ownerApiKeyId };
    const keyB = await createKey(orgB, 'admin');
    const both = await signIn(orgB.ownerKey, await signIn(keys.owner.secret));
    const before = await json<Me>(await call('/api/v1/me', { headers: { cookie: both } }), 200);
    expect(before.organizations.map((entry) => entry.id).sort()).toEqual([org.orgId, orgB.orgId].sort());

    expect((await call(`${members(org)}/${id}`, { method: 'DELETE', token: ADMIN })).status).toBe(204);
    await expectNoAccess(org, keys, [both], 'removed from A');
    const after = await json<Me>(await call('/api/v1/me', { headers: { cookie: both } }), 200);
    expect(after.organizations.map((entry) => entry.id)).toEqual([orgB.orgId]);
    expect((await call(members(orgB), { headers: { cookie: both } })).status).toBe(200);
    for (const secret of [orgB.ownerKey, keyB.secret]) expect((await call(members(orgB), { token: secret })).status).toBe(200);
    expect((await listedKeys(orgB)).every((key) => key.revokedAt === null)).toBe(true);

    // Added to A again: the session that still holds B does not reach A.
    await json(
      await call(members(org), { method: 'POST', token: ADMIN, body: { email: org.ownerEmail, name: 'Back', role: 'owner' } }),
      201,
    );
    await expectNoAccess(org, keys, [both], 're-added to A');
    expect((await call(members(orgB), { headers: { cookie: both } })).status).toBe(200);
  });

  it('revokes nothing when the removal is refused (the last owner)', async () => {
    const org = await createOrg('offboard-last');
    const key = await createKey(org, 'admin');
    const id = await userId(org.ownerKey);
    await expectProblem(await call(`${members(org)}/${id}`, { method: 'DELETE', token: ADMIN }), 409);
    expect((await listedKeys(org)).every((entry) => entry.revokedAt === null)).toBe(true);
    expect((await call(members(org), { token: key.secret })).status).toBe(200);
  });
});
