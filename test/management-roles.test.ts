import { describe, expect, it } from 'vitest';
import type { KeyRole } from '../worker/contract/index.ts';
import { ADMIN, call, createInstance, createKey, createOrg, expectProblem, json, type TestOrg, unique } from './helpers/api.ts';
import { storedEvents } from './helpers/events.ts';

describe('last owner protection', () => {
  async function ownerUserId(org: TestOrg): Promise<string> {
    const me = await json<{ user: { id: string } }>(await call('/api/v1/me', { token: org.ownerKey }), 200);
    return me.user.id;
  }

  it('refuses to demote or remove the last owner, then allows it once there is another owner', async () => {
    const org = await createOrg('last-owner');
    const ownerId = await ownerUserId(org);
    const before = (await storedEvents(org.orgId)).length;
    const demote = await expectProblem(
      await call(`/api/v1/organizations/${org.orgId}/members/${ownerId}`, {
        method: 'PATCH',
        token: org.ownerKey,
        body: { role: 'admin' },
      }),
      409,
    );
    expect(demote.type).toBe('urn:problem:audit-logs:last-owner');
    await expectProblem(
      await call(`/api/v1/organizations/${org.orgId}/members/${ownerId}`, { method: 'DELETE', token: org.ownerKey }),
      409,
    );
    expect((await storedEvents(org.orgId)).length).toBe(before);

    await json(
      await call(`/api/v1/organizations/${org.orgId}/members`, {
        method: 'POST',
        token: org.ownerKey,
        body: { email: `${unique('second')}@example.com`, name: 'Second', role: 'owner' },
      }),
      201,
    );
    const demoted = await json<{ role: string }>(
      await call(`/api/v1/organizations/${org.orgId}/members/${ownerId}`, {
        method: 'PATCH',
        token: org.ownerKey,
        body: { role: 'admin' },
      }),
      200,
    );
    expect(demoted.role).toBe('admin');
  });
});

type Role = KeyRole;

interface RouteCase {
  name: string;
  /** Builds a fresh request against `org` (fresh objects so deletes don't collide). */
  request: (org: TestOrg) => Promise<{ path: string; method: string; body?: unknown }>;
  allowed: Role[];
}

const ROUTES: RouteCase[] = [
  {
    name: 'GET instances',
    allowed: ['owner', 'admin', 'auditor', 'member'],
    request: async (org) => ({ method: 'GET', path: `/api/v1/organizations/${org.orgId}/instances` }),
  },
  {
    name: 'GET instance',
    allowed: ['owner', 'admin', 'auditor', 'member'],
    request: async (org) => ({
      method: 'GET',
      path: `/api/v1/organizations/${org.orgId}/instances/${(await createInstance(org, 'argocd')).id}`,
    }),
  },
  {
    name: 'POST instance',
    allowed: ['owner', 'admin'],
    request: async (org) => ({
      method: 'POST',
      path: `/api/v1/organizations/${org.orgId}/instances`,
      body: { type: 'kargo', name: unique('k') },
    }),
  },
  {
    name: 'DELETE instance',
    allowed: ['owner', 'admin'],
    request: async (org) => ({
      method: 'DELETE',
      path: `/api/v1/organizations/${org.orgId}/instances/${(await createInstance(org, 'kargo')).id}`,
    }),
  },
  {
    name: 'GET members',
    allowed: ['owner', 'admin', 'auditor', 'member'],
    request: async (org) => ({ method: 'GET', path: `/api/v1/organizations/${org.orgId}/members` }),
  },
  {
    name: 'POST member',
    allowed: ['owner', 'admin'],
    request: async (org) => ({
      method: 'POST',
      path: `/api/v1/organizations/${org.orgId}/members`,
      body: { email: `${unique('m')}@example.com`, name: 'M', role: 'member' },
    }),
  },
  {
    name: 'PATCH member',
    allowed: ['owner', 'admin'],
    request: async (org) => ({
      method: 'PATCH',
      path: `/api/v1/organizations/${org.orgId}/members/${await addMember(org)}`,
      body: { role: 'admin' },
    }),
  },
  {
    name: 'DELETE member',
    allowed: ['owner', 'admin'],
    request: async (org) => ({ method: 'DELETE', path: `/api/v1/organizations/${org.orgId}/members/${await addMember(org)}` }),
  },
  {
    name: 'GET api-keys',
    allowed: ['owner', 'admin'],
    request: async (org) => ({ method: 'GET', path: `/api/v1/organizations/${org.orgId}/api-keys` }),
  },
  {
    name: 'POST api-key',
    allowed: ['owner', 'admin'],
    request: async (org) => ({ method: 'POST', path: `/api/v1/organizations/${org.orgId}/api-keys`, body: { name: 'n', role: 'member' } }),
  },
  {
    name: 'DELETE api-key',
    allowed: ['owner', 'admin'],
    request: async (org) => ({
      method: 'DELETE',
      path: `/api/v1/organizations/${org.orgId}/api-keys/${(await createKey(org, 'member')).id}`,
    }),
  },
];

async function addMember(org: TestOrg): Promise<string> {
  const member = await json<{ userId: string }>(
    await call(`/api/v1/organizations/${org.orgId}/members`, {
      method: 'POST',
      token: org.ownerKey,
      body: { email: `${unique('mm')}@example.com`, name: 'MM', role: 'member' },
    }),
    201,
  );
  return member.userId;
}

describe('role matrix on every management route', () => {
  const SUCCESS: Record<string, number> = { GET: 200, POST: 201, PATCH: 200, DELETE: 204 };

  for (const route of ROUTES) {
    it(`${route.name}: allowed for ${route.allowed.join(', ')}, 403 for the rest and for another organization's owner`, async () => {
      const org = await createOrg('matrix');
      const keys: Record<Role, string> = {
        owner: org.ownerKey,
        admin: (await createKey(org, 'admin')).secret,
        auditor: (await createKey(org, 'auditor')).secret,
        member: (await createKey(org, 'member')).secret,
        ingest: (await createKey(org, 'ingest')).secret,
      };
      for (const role of ['owner', 'admin', 'auditor', 'member', 'ingest'] as const) {
        const request = await route.request(org);
        const response = await call(request.path, { method: request.method, token: keys[role], body: request.body });
        if (route.allowed.includes(role)) {
          expect(response.status, `${role} ${await response.clone().text()}`).toBe(SUCCESS[request.method]);
        } else {
          await expectProblem(response, 403);
        }
      }
      const outsider = await createOrg('outsider');
      const request = await route.request(org);
      const response = await call(request.path, { method: request.method, token: outsider.ownerKey, body: request.body });
      const text = await response.clone().text();
      await expectProblem(response, 403);
      expect(text).not.toContain(org.ownerEmail);
    });
  }

  it('lets only owners create auditors and auditor keys; an auditor key acts as member for an admin user', async () => {
    const org = await createOrg('auditor-grants');
    const admin = (await createKey(org, 'admin')).secret;
    await expectProblem(
      await call(`/api/v1/organizations/${org.orgId}/api-keys`, { method: 'POST', token: admin, body: { name: 'a', role: 'auditor' } }),
      403,
    );
    await expectProblem(
      await call(`/api/v1/organizations/${org.orgId}/members`, {
        method: 'POST',
        token: admin,
        body: { email: `${unique('au')}@example.com`, name: 'Au', role: 'auditor' },
      }),
      403,
    );
    const auditor = await createKey(org, 'auditor');
    // An auditor changes nothing, not even keys or members.
    await expectProblem(
      await call(`/api/v1/organizations/${org.orgId}/api-keys`, {
        method: 'POST',
        token: auditor.secret,
        body: { name: 'x', role: 'member' },
      }),
      403,
    );
    // The owner's auditor key reads the audit log; once the owner is an admin, it may not.
    expect((await call(`/api/v1/organizations/${org.orgId}/audit-logs`, { token: auditor.secret })).status).toBe(200);
    const me = await json<{ user: { id: string } }>(await call('/api/v1/me', { token: org.ownerKey }), 200);
    await json(
      await call(`/api/v1/organizations/${org.orgId}/members`, {
        method: 'POST',
        token: ADMIN,
        body: { email: `${unique('co')}@example.com`, name: 'Co', role: 'owner' },
      }),
      201,
    );
    await json(
      await call(`/api/v1/organizations/${org.orgId}/members/${me.user.id}`, { method: 'PATCH', token: ADMIN, body: { role: 'admin' } }),
      200,
    );
    await expectProblem(await call(`/api/v1/organizations/${org.orgId}/audit-logs`, { token: auditor.secret }), 403);
    const mine = await json<{ organizations: { role: string }[] }>(await call('/api/v1/me', { token: auditor.secret }), 200);
    expect(mine.organizations[0]?.role).toBe('member');
  });

  it('stops admins from creating owner keys or owners, and from touching owners', async () => {
    const org = await createOrg('admin-limits');
    const admin = (await createKey(org, 'admin')).secret;
    await expectProblem(
      await call(`/api/v1/organizations/${org.orgId}/api-keys`, { method: 'POST', token: admin, body: { name: 'n', role: 'owner' } }),
      403,
    );
    await expectProblem(
      await call(`/api/v1/organizations/${org.orgId}/members`, {
        method: 'POST',
        token: admin,
        body: { email: `${unique('o')}@example.com`, name: 'O', role: 'owner' },
      }),
      403,
    );
    const me = await json<{ user: { id: string } }>(await call('/api/v1/me', { token: org.ownerKey }), 200);
    await expectProblem(await call(`/api/v1/organizations/${org.orgId}/members/${me.user.id}`, { method: 'DELETE', token: admin }), 403);
    const ownerKeyId = (await createKey(org, 'owner')).id;
    await expectProblem(await call(`/api/v1/organizations/${org.orgId}/api-keys/${ownerKeyId}`, { method: 'DELETE', token: admin }), 403);
  });

  it('answers an unknown organization with 403 and no data for a regular key', async () => {
    const org = await createOrg('unknown-org');
    await expectProblem(await call('/api/v1/organizations/org_does_not_exist/instances', { token: org.ownerKey }), 403);
  });

  it("answers another organization's instance, member or key id with 404 in one's own organization", async () => {
    const org = await createOrg('cross-ids');
    const other = await createOrg('cross-ids-other');
    const foreignInstance = await createInstance(other, 'argocd');
    const foreignKey = await createKey(other, 'member');
    const foreignMember = await addMember(other);
    await expectProblem(await call(`/api/v1/organizations/${org.orgId}/instances/${foreignInstance.id}`, { token: org.ownerKey }), 404);
    await expectProblem(
      await call(`/api/v1/organizations/${org.orgId}/instances/${foreignInstance.id}`, { method: 'DELETE', token: org.ownerKey }),
      404,
    );
    await expectProblem(
      await call(`/api/v1/organizations/${org.orgId}/api-keys/${foreignKey.id}`, { method: 'DELETE', token: org.ownerKey }),
      404,
    );
    await expectProblem(
      await call(`/api/v1/organizations/${org.orgId}/members/${foreignMember}`, {
        method: 'PATCH',
        token: org.ownerKey,
        body: { role: 'admin' },
      }),
      404,
    );
    expect((await call('/api/v1/me', { token: foreignKey.secret })).status).toBe(200);
  });
});
