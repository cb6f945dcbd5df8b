import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { FacetValues } from '../worker/contract/facets.ts';
import { database } from '../worker/db/client.ts';
import { facetQuery } from '../worker/services/query/facets.ts';
import { call, createKey, createOrg, expectProblem, json, type TestOrg } from './helpers/api.ts';
import { makeEvent } from './helpers/events.ts';
import { eventsD1 } from './helpers/shards.ts';

const facets = (org: TestOrg, facet: string, token = org.ownerKey) =>
  call(`/api/v1/organizations/${org.orgId}/audit-logs-facets?facet=${facet}`, { token });

/** The same counts straight from the events, by brute force. */
async function counted(orgId: string, column: 'actor_id' | 'action' | 'object_type'): Promise<{ value: string; count: number }[]> {
  const result = await (await eventsD1(orgId))
    .prepare(
      `SELECT ${column} AS value, count(*) AS count FROM audit_events_by_organization WHERE organization_id = ? GROUP BY ${column} ORDER BY count DESC, value ASC LIMIT 100`,
    )
    .bind(orgId)
    .all<{ value: string; count: number }>();
  return result.results;
}

describe('facets', () => {
  it('lists the most frequent actors, actions and object types with exact counts, duplicates and rejected batches excluded', async () => {
    const org = await createOrg('facets');
    const items = Array.from({ length: 120 }, (_, index) =>
      makeEvent(index, {
        id: `f-${index}`,
        action: ['sync', 'sync', 'update', 'promote'][index % 4] as string,
        actor: { type: 'user', id: `user${index % 7}@example.com` },
        object: { type: index % 3 ? 'argocd_application' : 'kargo_promotion', id: { name: 'x' } },
      }),
    );
    await json(await call(`/api/v1/organizations/${org.orgId}/audit-logs`, { method: 'POST', token: org.ownerKey, body: { items } }), 201);
    // A replay (all duplicates) and a rejected batch change no count.
    await json(await call(`/api/v1/organizations/${org.orgId}/audit-logs`, { method: 'POST', token: org.ownerKey, body: { items } }), 201);
    await expectProblem(
      await call(`/api/v1/organizations/${org.orgId}/audit-logs`, {
        method: 'POST',
        token: org.ownerKey,
        body: { items: [{ ...items[0], id: 'f-0', action: 'other' }] },
      }),
      409,
    );
    for (const [facet, column] of [
      ['actorId', 'actor_id'],
      ['action', 'action'],
      ['objectType', 'object_type'],
    ] as const) {
      const answer = await json<FacetValues>(await facets(org, facet), 200);
      expect(answer.values, facet).toEqual(await counted(org.orgId, column));
    }
    // Retention (any delete) takes events out of the counts.
    await (await eventsD1(org.orgId))
      .prepare(
        "DELETE FROM audit_events WHERE org_key = (SELECT org_key FROM organization_sequences WHERE organization_id = ?) AND action = 'promote'",
      )
      .bind(org.orgId)
      .run();
    const actions = await json<FacetValues>(await facets(org, 'action'), 200);
    expect(actions.values.map((entry) => entry.value)).not.toContain('promote');
    expect(actions.values).toEqual(await counted(org.orgId, 'action'));
  });

  it('is an index range of the counters, for audit readers of the organization only', async () => {
    const org = await createOrg('facets-guard');
    expect((await facets(org, 'action', (await createKey(org, 'auditor')).secret)).status).toBe(200);
    await expectProblem(await facets(org, 'action', (await createKey(org, 'admin')).secret), 403);
    await expectProblem(await facets(org, 'action', (await createOrg('facets-other')).ownerKey), 403);
    await expectProblem(await facets(org, 'nope'), 400);
    await expectProblem(await call(`/api/v1/organizations/${org.orgId}/audit-logs-facets`, { token: org.ownerKey }), 400);
    const { sql, params } = facetQuery(database(env.DB), org.orgId, 'actorId').toSQL();
    const plan = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`)
      .bind(...params)
      .all<{ detail: string }>();
    const steps = plan.results.map((row) => row.detail).join(' | ');
    expect(steps).toMatch(/SEARCH event_facets USING INDEX event_facets_top \(organization_id=\? AND facet=\?/);
    expect(steps).not.toMatch(/SCAN event_facets/);
  });
});
