import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { AuditLogPage } from '../worker/contract/index.ts';
import { database } from '../worker/db/client.ts';
import { listQuery } from '../worker/services/saved-views/saved-views.ts';
import { ADMIN, call, createInstance, createKey, createOrg, expectProblem, json, unique } from './helpers/api.ts';
import { listViews, otherPerson, saveView, viewsCall } from './helpers/saved-views.ts';

/**
 * Saved views (docs/API.md "Saved views"): a person's named filter sets, per organization, kept
 * for them alone, and no part of the audit record.
 */

const everyFilter =
  'range=custom&from=2026-11-01T00:00:00.000Z&to=2026-11-08T00:00:00.000Z&actor=alice@example.com&actor=bob@example.com' +
  '&action=delete&objectType=argocd_application&instance=inst_x&app=guestbook&project=default&cluster=prod&namespace=web' +
  '&kargoProject=storefront&stage=prod&children=1&q=action%3Async+payments';

async function totalEvents(orgId: string): Promise<number> {
  const page = await json<AuditLogPage>(await call(`/api/v1/organizations/${orgId}/audit-logs?filters.limit=1`, { token: ADMIN }), 200);
  return page.totalCount;
}

describe('saved views: one person’s', () => {
  it('saves, lists by name, renames, changes the filters and deletes; every dashboard filter is accepted', async () => {
    const org = await createOrg('views');
    const as = { token: org.ownerKey };
    const before = Date.now();
    const zulu = await saveView(org, as, { name: 'zulu deletes', query: '?range=30d&action=delete' });
    expect(zulu).toMatchObject({ name: 'zulu deletes', query: 'range=30d&action=delete', scope: 'organization' });
    expect(zulu.id).toMatch(/^sv_[0-9A-Z]{26}$/);
    expect(Date.parse(zulu.createdAt)).toBeGreaterThanOrEqual(before - 1000);
    expect(zulu.updatedAt).toBe(zulu.createdAt);
    const alpha = await saveView(org, as, { name: '  Alpha everything  ', query: everyFilter });
    expect(alpha.name).toBe('Alpha everything');
    expect(alpha.query).toBe(everyFilter);
    const empty = await saveView(org, as, { name: 'beta default', query: '' });
    expect((await listViews(org, as)).map((view) => view.name)).toEqual(['Alpha everything', 'beta default', 'zulu deletes']);

    const renamed = await json<{ name: string; query: string; updatedAt: string }>(
      await viewsCall(org, as, { method: 'PATCH', suffix: `/${zulu.id}`, body: { name: 'Zulu: deletes' } }),
      200,
    );
    expect(renamed).toMatchObject({ name: 'Zulu: deletes', query: 'range=30d&action=delete' });
    const refiltered = await json<{ name: string; query: string }>(
      await viewsCall(org, as, { method: 'PATCH', suffix: `/${zulu.id}`, body: { query: 'action=sync' } }),
      200,
    );
    expect(refiltered).toMatchObject({ name: 'Zulu: deletes', query: 'action=sync' });

    expect((await viewsCall(org, as, { method: 'DELETE', suffix: `/${empty.id}` })).status).toBe(204);
    await expectProblem(await viewsCall(org, as, { method: 'DELETE', suffix: `/${empty.id}` }), 404);
    await expectProblem(await viewsCall(org, as, { method: 'PATCH', suffix: `/${empty.id}`, body: { name: 'x' } }), 404);
    expect((await listViews(org, as)).map((view) => view.id)).toEqual([alpha.id, zulu.id]);
  });

  it('is scoped to the organization or one of its live instances', async () => {
    const org = await createOrg('views-scope');
    const other = await createOrg('views-scope-other');
    const as = { token: org.ownerKey };
    const instance = await createInstance(org, 'argocd');
    const gone = await createInstance(org, 'kargo');
    await call(`/api/v1/organizations/${org.orgId}/instances/${gone.id}`, { method: 'DELETE', token: org.ownerKey });
    const foreign = await createInstance(other, 'argocd');
    const scoped = await saveView(org, as, { name: 'instance view', query: 'action=sync', scope: instance.id });
    expect(scoped.scope).toBe(instance.id);
    for (const scope of [foreign.id, gone.id, 'inst_unknown', 'Organization', '']) {
      const problem = await expectProblem(await viewsCall(org, as, { method: 'POST', body: { name: unique('s'), query: '', scope } }), 422);
      expect(problem.errors?.[0]?.pointer).toBe('scope');
    }
    await expectProblem(await viewsCall(org, as, { method: 'PATCH', suffix: `/${scoped.id}`, body: { scope: foreign.id } }), 422);
    expect(await listViews(org, as)).toEqual([scoped]);
  });

  it('belongs to its person: every key and session of theirs sees it, nobody else does', async () => {
    const org = await createOrg('views-people');
    const mine = await saveView(org, { token: org.ownerKey }, { name: 'Mine', query: 'action=delete' });
    // The owner's personal keys of lower roles are still the owner's: the same views.
    for (const role of ['admin', 'auditor', 'member'] as const) {
      expect(await listViews(org, { token: (await createKey(org, role)).secret })).toEqual([mine]);
    }
    const person = await otherPerson(org, 'member');
    expect(await listViews(org, person.as)).toEqual([]);
    for (const [method, body] of [
      ['PATCH', { name: 'stolen' }],
      ['DELETE', undefined],
    ] as const) {
      const problem = await expectProblem(await viewsCall(org, person.as, { method, suffix: `/${mine.id}`, body }), 404);
      expect(problem.detail).toContain(mine.id);
    }
    // Names are unique per person: the same name is theirs to use too.
    const theirs = await saveView(org, person.as, { name: 'Mine', query: 'action=sync' });
    expect(await listViews(org, person.as)).toEqual([theirs]);
    expect(await listViews(org, { token: org.ownerKey })).toEqual([mine]);
  });

  it('is unknown in another organization (404) and not reachable through it (403)', async () => {
    const org = await createOrg('views-iso');
    const other = await createOrg('views-iso-other');
    const mine = await saveView(org, { token: org.ownerKey }, { name: 'Mine', query: '' });
    // The other organization's owner, with the view's id in their own organization's path.
    await expectProblem(await viewsCall(other, { token: other.ownerKey }, { method: 'DELETE', suffix: `/${mine.id}` }), 404);
    await expectProblem(
      await viewsCall(other, { token: other.ownerKey }, { method: 'PATCH', suffix: `/${mine.id}`, body: { name: 'x' } }),
      404,
    );
    // …and in the target organization's path.
    for (const method of ['GET', 'POST', 'PATCH', 'DELETE']) {
      const suffix = method === 'GET' || method === 'POST' ? '' : `/${mine.id}`;
      const body = method === 'GET' || method === 'DELETE' ? undefined : { name: 'x', query: '' };
      await expectProblem(await viewsCall(org, { token: other.ownerKey }, { method, suffix, body }), 403);
    }
    expect(await listViews(org, { token: org.ownerKey })).toEqual([mine]);
  });

  it('refuses credentials that are no person with a 403 that says why, before reading the body', async () => {
    const org = await createOrg('views-service');
    const service = await json<{ secret: string }>(
      await call(`/api/v1/organizations/${org.orgId}/api-keys`, {
        method: 'POST',
        token: org.ownerKey,
        body: { name: 'svc', role: 'auditor', kind: 'service' },
      }),
      201,
    );
    for (const token of [service.secret, ADMIN]) {
      const listed = await expectProblem(await viewsCall(org, { token }), 403);
      expect(listed.detail).toMatch(/belong to a person/);
      // A body that is not even valid still gets the 403, not a 422.
      await expectProblem(await viewsCall(org, { token }, { method: 'POST', body: { bogus: true } }), 403);
    }
    const ingest = await createKey(org, 'ingest');
    await expectProblem(await viewsCall(org, { token: ingest.secret }), 403);
  });

  it('records nothing in the audit record (a bookmark, like a read)', async () => {
    const org = await createOrg('views-record');
    const as = { token: org.ownerKey };
    const before = await totalEvents(org.orgId);
    const view = await saveView(org, as, { name: 'quiet', query: 'action=delete' });
    await json(await viewsCall(org, as, { method: 'PATCH', suffix: `/${view.id}`, body: { name: 'still quiet' } }), 200);
    expect((await viewsCall(org, as, { method: 'DELETE', suffix: `/${view.id}` })).status).toBe(204);
    expect(await totalEvents(org.orgId)).toBe(before);
  });

  it('lists from one range of the name index, in its order (no scan, no sort)', async () => {
    const { sql, params } = listQuery(database(env.DB), { organizationId: 'org_x', userId: 'usr_x' }).toSQL();
    const plan = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`)
      .bind(...params)
      .all<{ detail: string }>();
    const steps = plan.results.map((row) => row.detail).join('\n');
    expect(steps).toMatch(/SEARCH saved_views USING INDEX saved_views_user_name \(organization_id=\? AND user_id=\?\)/);
    expect(steps).not.toMatch(/TEMP B-TREE|SCAN/);
  });
});
