import { describe, expect, it } from 'vitest';
import { ADMIN, call, createInstance, createKey, createOrg, expectProblem, json } from './helpers/api.ts';
import { countRows, storedEvents } from './helpers/events.ts';

describe('organizations', () => {
  it('creates an organization with the admin token and records the change as audit events', async () => {
    const org = await createOrg('create');
    const events = await storedEvents(org.orgId);
    expect(events.map((event) => [event.action, event.object_type])).toEqual([
      ['create', 'organization'],
      ['create', 'member'],
      ['create', 'api_key'],
    ]);
    expect(events[1]?.object_name).toBe(org.ownerEmail);
    expect(events.every((event) => event.actor_type === 'system' && event.actor_id === 'platform-admin')).toBe(true);
  });

  it('refuses organization creation to every API key, even an owner key', async () => {
    const org = await createOrg('not-admin');
    const before = await countRows('organizations');
    await expectProblem(
      await call('/api/v1/organizations', {
        method: 'POST',
        token: org.ownerKey,
        body: { name: 'x', owner: { email: 'x@example.com', name: 'X' } },
      }),
      403,
    );
    expect(await countRows('organizations')).toBe(before);
  });

  it('validates the body: 422 with every bad field, nothing written', async () => {
    const before = await countRows('organizations');
    const problem = await expectProblem(
      await call('/api/v1/organizations', { method: 'POST', token: ADMIN, body: { name: '', owner: { email: 'not-an-email' } } }),
      422,
    );
    expect(problem.errors?.map((error) => error.pointer).sort()).toEqual(['name', 'owner/email', 'owner/name']);
    expect(await countRows('organizations')).toBe(before);
  });

  it('answers malformed JSON with a 400 problem', async () => {
    await expectProblem(await call('/api/v1/organizations', { method: 'POST', token: ADMIN, body: '{"name":' }), 400);
  });

  it('answers a body over 1 MiB with a 413 problem', async () => {
    const name = 'x'.repeat(1024 * 1024 + 10);
    await expectProblem(
      await call('/api/v1/organizations', { method: 'POST', token: ADMIN, body: { name, owner: { email: 'a@example.com', name: 'A' } } }),
      413,
    );
  });

  it('lists only the caller organizations', async () => {
    const mine = await createOrg('mine');
    const theirs = await createOrg('theirs');
    const listed = await json<{ organizations: { id: string }[] }>(await call('/api/v1/organizations', { token: mine.ownerKey }), 200);
    expect(listed.organizations.map((org) => org.id)).toEqual([mine.orgId]);
    const all = await json<{ organizations: { id: string }[] }>(await call('/api/v1/organizations', { token: ADMIN }), 200);
    expect(all.organizations.map((org) => org.id)).toEqual(expect.arrayContaining([mine.orgId, theirs.orgId]));
  });
});

describe('acceptance: an owner key manages its organization and every change is an audit event', () => {
  it('creates instances, members and keys, each recorded with the owner as actor', async () => {
    const org = await createOrg('acceptance');
    const argo = await createInstance(org, 'argocd', 'prod');
    await createInstance(org, 'kargo', 'prod');
    const member = await json<{ userId: string; role: string }>(
      await call(`/api/v1/organizations/${org.orgId}/members`, {
        method: 'POST',
        token: org.ownerKey,
        body: { email: 'Bob@Example.com', name: 'Bob', role: 'member' },
      }),
      201,
    );
    expect(member.role).toBe('member');
    await json(
      await call(`/api/v1/organizations/${org.orgId}/members/${member.userId}`, {
        method: 'PATCH',
        token: org.ownerKey,
        body: { role: 'admin' },
      }),
      200,
    );
    const key = await createKey(org, 'ingest', { instanceId: argo.id });
    expect(key.secret).toMatch(/^alk_/);
    expect((await call(`/api/v1/organizations/${org.orgId}/api-keys/${key.id}`, { method: 'DELETE', token: org.ownerKey })).status).toBe(
      204,
    );
    expect(
      (await call(`/api/v1/organizations/${org.orgId}/members/${member.userId}`, { method: 'DELETE', token: org.ownerKey })).status,
    ).toBe(204);
    expect((await call(`/api/v1/organizations/${org.orgId}/instances/${argo.id}`, { method: 'DELETE', token: org.ownerKey })).status).toBe(
      204,
    );

    const events = (await storedEvents(org.orgId)).slice(3); // after the three creation events
    expect(events.map((event) => [event.action, event.object_type, event.object_name])).toEqual([
      ['create', 'argocd_instance', 'prod'],
      ['create', 'kargo_instance', 'prod'],
      ['create', 'member', 'bob@example.com'],
      ['update', 'member', 'bob@example.com'],
      ['create', 'api_key', 'ingest key'],
      ['delete', 'api_key', 'ingest key'],
      ['delete', 'member', 'bob@example.com'],
      ['delete', 'argocd_instance', 'prod'],
    ]);
    expect(events.every((event) => event.actor_type === 'user' && event.actor_id === org.ownerEmail)).toBe(true);
    expect(events[0]?.instance_id).toBe(argo.id);
  });

  it('keeps instance names unique per organization and type, and frees a deleted name', async () => {
    const org = await createOrg('unique-names');
    const first = await createInstance(org, 'argocd', 'staging');
    await createInstance(org, 'kargo', 'staging');
    await expectProblem(
      await call(`/api/v1/organizations/${org.orgId}/instances`, {
        method: 'POST',
        token: org.ownerKey,
        body: { type: 'argocd', name: 'staging' },
      }),
      409,
    );
    await call(`/api/v1/organizations/${org.orgId}/instances/${first.id}`, { method: 'DELETE', token: org.ownerKey });
    // A deleted instance stays readable (its audit log too), marked as deleted; it cannot be deleted twice.
    const deleted = await json<{ deletedAt: string | null }>(
      await call(`/api/v1/organizations/${org.orgId}/instances/${first.id}`, { token: org.ownerKey }),
      200,
    );
    expect(deleted.deletedAt).not.toBeNull();
    await expectProblem(
      await call(`/api/v1/organizations/${org.orgId}/instances/${first.id}`, { method: 'DELETE', token: org.ownerKey }),
      404,
    );
    const second = await createInstance(org, 'argocd', 'staging');
    const list = await json<{ instances: { id: string; deletedAt: string | null }[] }>(
      await call(`/api/v1/organizations/${org.orgId}/instances?type=argocd`, { token: org.ownerKey }),
      200,
    );
    expect(list.instances.map((instance) => instance.id)).toEqual([second.id]);
    const withDeleted = await json<{ instances: { id: string; deletedAt: string | null }[] }>(
      await call(`/api/v1/organizations/${org.orgId}/instances?type=argocd&includeDeleted=true`, { token: org.ownerKey }),
      200,
    );
    expect(withDeleted.instances.map((instance) => instance.id).sort()).toEqual([first.id, second.id].sort());
  });

  it('rejects an unknown instance type with 400 and a bad instance name with 422', async () => {
    const org = await createOrg('bad-instance');
    await expectProblem(await call(`/api/v1/organizations/${org.orgId}/instances?type=flux`, { token: org.ownerKey }), 400);
    const problem = await expectProblem(
      await call(`/api/v1/organizations/${org.orgId}/instances`, {
        method: 'POST',
        token: org.ownerKey,
        body: { type: 'argocd', name: 'Not A DNS Label' },
      }),
      422,
    );
    expect(problem.errors?.[0]?.pointer).toBe('name');
  });

  it('binds ingest keys only to instances of the same organization', async () => {
    const org = await createOrg('bind');
    const other = await createOrg('bind-other');
    const foreign = await createInstance(other, 'argocd');
    const problem = await expectProblem(
      await call(`/api/v1/organizations/${org.orgId}/api-keys`, {
        method: 'POST',
        token: org.ownerKey,
        body: { name: 'k', role: 'ingest', instanceId: foreign.id },
      }),
      422,
    );
    expect(problem.errors?.[0]?.pointer).toBe('instanceId');
    const own = await createInstance(org, 'argocd');
    await expectProblem(
      await call(`/api/v1/organizations/${org.orgId}/api-keys`, {
        method: 'POST',
        token: org.ownerKey,
        body: { name: 'k', role: 'member', instanceId: own.id },
      }),
      422,
    );
  });
});

describe('error path', () => {
  it('answers unknown API routes with a 404 problem, not the dashboard', async () => {
    const problem = await expectProblem(await call('/api/v1/nope'), 404);
    expect(problem.detail).toContain('/api/v1/nope');
    await expectProblem(await call('/api/unknown/deeper/path', { method: 'POST' }), 404);
  });

  it('serves the OpenAPI 3.1 document', async () => {
    const doc = await json<{ openapi: string; paths: Record<string, unknown> }>(await call('/api/openapi.json'), 200);
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/api/v1/organizations', '/api/v1/organizations/{orgId}/members/{userId}', '/api/v1/me']),
    );
  });
});

describe('API reference page', () => {
  it('serves /api/docs as HTML listing the routes', async () => {
    const response = await call('/api/docs');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await response.text();
    expect(html).toContain('/api/v1/organizations/{orgId}/audit-logs');
    expect(html).toContain('/api/v1/organizations/{orgId}/csv-audit-logs');
  });
});
