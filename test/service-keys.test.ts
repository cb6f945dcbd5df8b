import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { ApiKey, AuditLogPage, CreatedApiKey, Me } from '../worker/contract/index.ts';
import { database } from '../worker/db/client.ts';
import { startSession } from '../worker/services/access/index.ts';
import { ADMIN, call, createKey, createOrg, expectProblem, json, type TestOrg, unique } from './helpers/api.ts';
import { makeEvent } from './helpers/events.ts';

/**
 * Personal and service API keys (docs/API.md "API keys"): a service key belongs to the
 * organization, acts as itself, is capped by nobody's role, outlives its creator and never signs
 * in to the dashboard; refused key sign-ins are recorded where the organization is known.
 */

const keysPath = (org: TestOrg) => `/api/v1/organizations/${org.orgId}/api-keys`;
const membersPath = (org: TestOrg) => `/api/v1/organizations/${org.orgId}/members`;

async function createServiceKey(org: TestOrg, role: string, token = org.ownerKey): Promise<CreatedApiKey> {
  return json<CreatedApiKey>(
    await call(keysPath(org), { method: 'POST', token, body: { name: unique('svc'), role, kind: 'service' } }),
    201,
  );
}

async function events(org: TestOrg, query: string): Promise<AuditLogPage['items']> {
  return (await json<AuditLogPage>(await call(`/api/v1/organizations/${org.orgId}/audit-logs?${query}`, { token: ADMIN }), 200)).items;
}

const signInAttempt = (apiKey: string) => call('/api/v1/auth/session', { method: 'POST', body: { apiKey } });

/** A second owner (a person with their own personal owner key): the creator who will leave. */
async function coOwner(org: TestOrg): Promise<{ userId: string; key: CreatedApiKey; email: string }> {
  const email = `${unique('co-owner')}@example.com`;
  const member = await json<{ userId: string }>(
    await call(membersPath(org), { method: 'POST', token: org.ownerKey, body: { email, name: 'Co', role: 'owner' } }),
    201,
  );
  // The co-owner's own key, made the way a signed-in person makes one: with a session of theirs.
  const { token } = await startSession(
    database(env.DB),
    { user: { id: member.userId, email, name: 'Co' }, method: 'passkey', apiKeyId: null, ssoOrganizationId: null },
    null,
    { userAgent: 'test', ip: null },
    Date.now(),
  );
  const cookie = `audit_session=${token}`;
  const key = await json<CreatedApiKey>(
    await call(keysPath(org), {
      method: 'POST',
      headers: { cookie, origin: 'http://localhost:8787' },
      body: { name: 'co-owner key', role: 'owner' },
    }),
    201,
  );
  return { userId: member.userId, key, email };
}

describe('service keys', () => {
  it('are created by owners only; every key answer carries its kind; personal is the default', async () => {
    const org = await createOrg('svc-create');
    const service = await createServiceKey(org, 'admin');
    expect(service).toMatchObject({ kind: 'service', userId: null, role: 'admin' });
    const personal = await createKey(org, 'member');
    const listed = (await json<{ apiKeys: ApiKey[] }>(await call(keysPath(org), { token: org.ownerKey }), 200)).apiKeys;
    expect(listed.find((key) => key.id === service.id)).toMatchObject({ kind: 'service', userId: null });
    expect(listed.find((key) => key.id === personal.id)?.kind).toBe('personal');
    expect(listed.find((key) => key.id === org.ownerKeyId)?.kind).toBe('personal');

    // An admin (personal admin key, or a service admin key) may not make one: 403, nothing created.
    const admin = await createKey(org, 'admin');
    for (const token of [admin.secret, service.secret]) {
      const problem = await expectProblem(
        await call(keysPath(org), { method: 'POST', token, body: { name: 'x', role: 'member', kind: 'service' } }),
        403,
      );
      expect(problem.detail).toMatch(/Only owners can create service keys/);
    }
    await expectProblem(
      await call(keysPath(org), { method: 'POST', token: org.ownerKey, body: { name: 'x', role: 'member', kind: 'robot' } }),
      422,
    );
    const after = (await json<{ apiKeys: ApiKey[] }>(await call(keysPath(org), { token: org.ownerKey }), 200)).apiKeys;
    expect(after).toHaveLength(listed.length + 1); // only the admin key

    // The creation is recorded with its creator and the kind.
    const [created] = await events(org, `filters.objectType=api_key&filters.action=create&filters.limit=100`).then((items) =>
      items.filter((item) => item.details.keyId === service.id),
    );
    expect(created).toMatchObject({ actor: { type: 'user', id: org.ownerEmail }, details: { kind: 'service' } });
  });

  it('the platform admin token, being no person, makes service keys and cannot make personal ones', async () => {
    const org = await createOrg('svc-admin-token');
    const made = await json<CreatedApiKey>(
      await call(keysPath(org), { method: 'POST', token: ADMIN, body: { name: 'ci', role: 'ingest' } }),
      201,
    );
    expect(made).toMatchObject({ kind: 'service', userId: null });
    await expectProblem(
      await call(keysPath(org), { method: 'POST', token: ADMIN, body: { name: 'p', role: 'member', kind: 'personal' } }),
      403,
    );
  });

  it('acts as itself (actor api_key, credential api_key) over Bearer and Basic, with its full role', async () => {
    const org = await createOrg('svc-acts');
    const service = await createServiceKey(org, 'admin');
    const basic = `Basic ${btoa(`${service.id}:${service.secret}`)}`;
    const instance = await json<{ id: string }>(
      await call(`/api/v1/organizations/${org.orgId}/instances`, {
        method: 'POST',
        headers: { authorization: basic },
        body: { type: 'argocd', name: unique('svc-inst') },
      }),
      201,
    );
    const [recorded] = await events(org, 'filters.objectType=argocd_instance&filters.action=create');
    expect(recorded).toMatchObject({ actor: { type: 'api_key', id: service.id }, credential: { type: 'api_key', id: service.id } });
    expect(instance.id).toBeTruthy();
    const me = await json<Me>(await call('/api/v1/me', { token: service.secret }), 200);
    expect(me).toEqual({ user: null, organizations: [expect.objectContaining({ id: org.orgId, role: 'admin' })] });

    // A service ingest key (the usual CI case) sends events recorded with its credential.
    const ci = await createServiceKey(org, 'ingest');
    const sent = await json<{ ids: string[] }>(
      await call(`/api/v1/organizations/${org.orgId}/audit-logs`, { method: 'POST', token: ci.secret, body: makeEvent(0) }),
      201,
    );
    const [ingested] = await events(org, `filters.credentialId=${ci.id}`);
    expect(ingested).toMatchObject({ id: sent.ids[0], sourceKeyId: ci.id, credential: { type: 'api_key', id: ci.id } });
  });

  it('survives its creator leaving, while the leaver’s personal keys are revoked', async () => {
    const org = await createOrg('svc-survives');
    const creator = await coOwner(org);
    const service = await createServiceKey(org, 'admin', creator.key.secret);
    const created = (await events(org, 'filters.objectType=api_key&filters.action=create&filters.limit=100')).find(
      (item) => item.details.keyId === service.id,
    );
    expect(created?.actor).toEqual({ type: 'user', id: creator.email, ip: '' });
    expect((await call(`${membersPath(org)}/${creator.userId}`, { method: 'DELETE', token: org.ownerKey })).status).toBe(204);

    await expectProblem(await call(membersPath(org), { token: creator.key.secret }), 401);
    expect((await call(membersPath(org), { token: service.secret })).status).toBe(200);
    expect((await call(membersPath(org), { headers: { authorization: `Basic ${btoa(`${service.id}:${service.secret}`)}` } })).status).toBe(
      200,
    );
    const listed = (await json<{ apiKeys: ApiKey[] }>(await call(keysPath(org), { token: org.ownerKey }), 200)).apiKeys;
    expect(listed.find((key) => key.id === service.id)?.revokedAt).toBeNull();
    expect(listed.find((key) => key.id === creator.key.id)?.revokedAt).not.toBeNull();
  });

  it('never signs in to the dashboard: 403, recorded as sign_in_failed in its organization', async () => {
    const org = await createOrg('svc-sign-in');
    const service = await createServiceKey(org, 'owner');
    const response = await signInAttempt(service.secret);
    const problem = await expectProblem(response, 403);
    expect(problem.detail).toMatch(/service key/);
    expect(response.headers.get('set-cookie')).toBeNull();
    const [failed] = await events(org, 'filters.action=sign_in_failed');
    expect(failed).toMatchObject({
      actor: { type: 'api_key', id: service.id },
      object: { type: 'session' },
      credential: { type: 'api_key', id: service.id },
      details: { method: 'api_key', reason: expect.stringMatching(/service key/) },
    });
    expect(await events(org, 'filters.action=sign_in')).toEqual([]);
  });
});

describe('refused API-key sign-ins', () => {
  it('are recorded where the key names an organization (ingest, revoked, expired, leaver), with the reason', async () => {
    const org = await createOrg('key-sign-in-failed');
    const ingest = await createKey(org, 'ingest');
    const revoked = await createKey(org, 'member');
    await call(`${keysPath(org)}/${revoked.id}`, { method: 'DELETE', token: org.ownerKey });
    const expiring = await createKey(org, 'member', { expiresAt: new Date(Date.now() + 1500).toISOString() });
    await new Promise((resolve) => setTimeout(resolve, 1600));
    await expectProblem(await signInAttempt(ingest.secret), 403);
    await expectProblem(await signInAttempt(revoked.secret), 401);
    await expectProblem(await signInAttempt(expiring.secret), 401);
    const leaver = await coOwner(org);
    expect((await call(`${membersPath(org)}/${leaver.userId}`, { method: 'DELETE', token: org.ownerKey })).status).toBe(204);
    await expectProblem(await signInAttempt(leaver.key.secret), 401);
    const all = await events(org, 'filters.action=sign_in_failed&filters.limit=10');
    const [leaverFailure] = all.filter((item) => item.credential?.id === leaver.key.id);
    expect(leaverFailure?.actor).toEqual({ type: 'user', id: leaver.email, ip: '' });
    expect(leaverFailure?.details.reason).toMatch(/revoked|no longer a member/);
    const failed = all.filter((item) => item !== leaverFailure);
    const reasons = new Map(failed.map((item) => [item.credential?.id, String(item.details.reason)]));
    expect(reasons.get(ingest.id)).toMatch(/Ingest keys/);
    expect(reasons.get(revoked.id)).toMatch(/revoked/);
    expect(reasons.get(expiring.id)).toMatch(/expired/);
    for (const item of failed) expect(item.actor).toEqual({ type: 'user', id: org.ownerEmail, ip: '' });
  });

  it('are recorded when the organization enforces SSO, while the key keeps working for API calls', async () => {
    const org = await createOrg('key-sign-in-sso');
    // The SSO configuration API is its own feature; its stored row is all this rule reads.
    await env.DB.prepare(
      `INSERT INTO sso_configurations (organization_id, enforce_sso, oidc_json, created_at, updated_at) VALUES (?, 1, '{}', ?, ?)`,
    )
      .bind(org.orgId, Date.now(), Date.now())
      .run();
    const problem = await expectProblem(await signInAttempt(org.ownerKey), 403);
    const [failed] = await events(org, 'filters.action=sign_in_failed');
    expect(failed).toMatchObject({
      actor: { type: 'user', id: org.ownerEmail },
      credential: { type: 'api_key', id: org.ownerKeyId },
      details: { reason: problem.detail },
    });
    expect((await call(membersPath(org), { token: org.ownerKey })).status).toBe(200);
  });

  it('record nothing for a secret that matches no key (no organization is named)', async () => {
    const org = await createOrg('key-sign-in-unknown');
    const before = await json<AuditLogPage>(await call(`/api/v1/organizations/${org.orgId}/audit-logs`, { token: ADMIN }), 200);
    await expectProblem(await signInAttempt(`${org.ownerKey}x`), 401);
    await expectProblem(await signInAttempt('alk_0000000000000000000000000000000000000000'), 401);
    const after = await json<AuditLogPage>(await call(`/api/v1/organizations/${org.orgId}/audit-logs`, { token: ADMIN }), 200);
    expect(after.totalCount).toBe(before.totalCount);
  });
});
