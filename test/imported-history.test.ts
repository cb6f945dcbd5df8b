import { describe, expect, it } from 'vitest';
import type { AuditEvent, AuditLogPage, CreatedOrganization } from '../worker/contract/index.ts';
import { ADMIN, call, createOrg, expectProblem, json, unique } from './helpers/api.ts';

const DAY_MS = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();

async function eventsOf(orgId: string, token: string): Promise<AuditEvent[]> {
  return (await json<AuditLogPage>(await call(`/api/v1/organizations/${orgId}/audit-logs?filters.limit=100`, { token }), 200)).items;
}

describe('importing history: the admin token dates an organization, its instances and members in the past', () => {
  it('dates the changes and their events then, and says when they were recorded', async () => {
    const founded = Date.now() - 40 * DAY_MS;
    const created = await json<CreatedOrganization>(
      await call('/api/v1/organizations', {
        method: 'POST',
        token: ADMIN,
        body: { name: unique('imported'), owner: { email: `${unique('founder')}@example.com`, name: 'Founder' }, createdAt: iso(founded) },
      }),
      201,
    );
    const orgId = created.organization.id;
    const joined = founded + DAY_MS;
    const member = await json<{ createdAt: string }>(
      await call(`/api/v1/organizations/${orgId}/members`, {
        method: 'POST',
        token: ADMIN,
        body: { email: `${unique('early')}@example.com`, name: 'Early', role: 'member', createdAt: iso(joined) },
      }),
      201,
    );
    expect(member.createdAt).toBe(iso(joined));
    const instance = await json<{ createdAt: string }>(
      await call(`/api/v1/organizations/${orgId}/instances`, {
        method: 'POST',
        token: ADMIN,
        body: { type: 'argocd', name: unique('prod'), createdAt: iso(founded + 2 * DAY_MS) },
      }),
      201,
    );
    expect(instance.createdAt).toBe(iso(founded + 2 * DAY_MS));
    const events = await eventsOf(orgId, created.ownerApiKey);
    const byType = (type: string) => events.find((event) => event.object.type === type && event.action === 'create');
    expect(byType('organization')?.timestamp).toBe(iso(founded));
    expect(events.filter((event) => event.object.type === 'member').map((event) => event.timestamp)).toEqual([iso(joined), iso(founded)]);
    expect(byType('argocd_instance')?.timestamp).toBe(iso(founded + 2 * DAY_MS));
    for (const event of events) {
      // Nothing passes for having happened then unnoticed: each says when it was really recorded.
      expect(Date.parse(String(event.details.recordedAt))).toBeGreaterThan(Date.now() - 60_000);
    }
  });

  it('is for the admin token only, never in the future, never before the organization', async () => {
    const org = await createOrg('import-refused');
    const before = await eventsOf(org.orgId, org.ownerKey);
    const member = (createdAt: string, token: string) =>
      call(`/api/v1/organizations/${org.orgId}/members`, {
        method: 'POST',
        token,
        body: { email: `${unique('late')}@example.com`, name: 'Late', role: 'member', createdAt },
      });
    await expectProblem(await member(iso(Date.now() - DAY_MS), org.ownerKey), 403);
    await expectProblem(await member(iso(Date.now() + DAY_MS), ADMIN), 422);
    await expectProblem(await member(iso(Date.now() - 30 * DAY_MS), ADMIN), 422);
    await expectProblem(
      await call(`/api/v1/organizations/${org.orgId}/instances`, {
        method: 'POST',
        token: org.ownerKey,
        body: { type: 'kargo', name: unique('k'), createdAt: iso(Date.now() - 1000) },
      }),
      403,
    );
    await expectProblem(
      await call('/api/v1/organizations', {
        method: 'POST',
        token: ADMIN,
        body: { name: unique('future'), owner: { email: `${unique('f')}@example.com`, name: 'F' }, createdAt: iso(Date.now() + DAY_MS) },
      }),
      422,
    );
    // Refusals change nothing.
    expect(await eventsOf(org.orgId, org.ownerKey)).toEqual(before);
  });
});
