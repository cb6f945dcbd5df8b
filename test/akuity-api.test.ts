import { describe, expect, it } from 'vitest';
import type { AuditEvent, IngestResult } from '../worker/contract/index.ts';
import { call, createInstance, createKey, createOrg, expectProblem, json, type TestOrg } from './helpers/api.ts';
import { makeEvent } from './helpers/events.ts';

const ingest = (org: TestOrg, body: unknown) =>
  call(`/api/v1/organizations/${org.orgId}/audit-logs`, { method: 'POST', token: org.ownerKey, body });

describe('query parameters: both spellings, and never a silently dropped filter', () => {
  it('answers any unknown parameter with 400 naming it, on every audit-log endpoint', async () => {
    const org = await createOrg('unknown-params');
    const instance = await createInstance(org, 'argocd');
    const base = `/api/v1/organizations/${org.orgId}`;
    for (const path of [
      `${base}/audit-logs`,
      `${base}/instances/${instance.id}/audit-logs`,
      `${base}/csv-audit-logs`,
      `${base}/csv-audit-logs?format=ndjson`,
      `${base}/audit-logs-archives`,
      `${base}/audit-log-stream`,
    ]) {
      for (const unknown of ['filters.actorID', 'filters.argocdApplication.name', 'filter.actorId', 'actorId', 'filters.bogus']) {
        const separator = path.includes('?') ? '&' : '?';
        const problem = await expectProblem(await call(`${path}${separator}${unknown}=nobody`, { token: org.ownerKey }), 400);
        expect(problem.type, `${path} ${unknown}`).toBe('urn:problem:audit-logs:unknown-parameter');
        expect(problem.detail).toContain(unknown);
        expect(problem.errors).toEqual([{ pointer: `query/${unknown}`, detail: 'is not a parameter of this endpoint' }]);
      }
    }
  });

  it('reads the protobuf spelling of every parameter like the JSON one', async () => {
    const org = await createOrg('spellings');
    await json(
      await ingest(org, {
        items: [
          makeEvent(0, { id: 'bob-sync', action: 'sync', actor: { type: 'user', id: 'bob@example.com' } }),
          makeEvent(1, { id: 'carol-sync', action: 'sync', actor: { type: 'user', id: 'carol@example.com' } }),
        ],
      }),
      201,
    );
    const ids = async (query: string) =>
      (
        await json<{ items: AuditEvent[] }>(
          await call(`/api/v1/organizations/${org.orgId}/audit-logs?${query}`, { token: org.ownerKey }),
          200,
        )
      ).items.map((item) => item.id);
    expect(await ids('filters.actor_id=bob@example.com')).toEqual(['bob-sync']);
    expect(await ids('filters.actorId=bob@example.com&filters.actor_id=carol@example.com')).toEqual(['bob-sync', 'carol-sync']);
    expect(await ids('filters.actor_type=user&filters.action=sync&filters.limit=1')).toEqual(['bob-sync']);
    const csv = await (
      await call(`/api/v1/organizations/${org.orgId}/csv-audit-logs?filters.actor_id=nobody`, { token: org.ownerKey })
    ).text();
    expect(csv.split('\r\n').filter(Boolean)).toHaveLength(1); // the header only: the filter was applied
    const stream = await json<{ items: AuditEvent[] }>(
      await call(`/api/v1/organizations/${org.orgId}/audit-log-stream?after_sequence=4&limit=1`, { token: org.ownerKey }),
      200,
    );
    expect(stream.items.map((item) => item.id)).toEqual(['carol-sync']);
  });

  it('takes startTime and endTime as RFC 3339 or YYYY-MM-DD (UTC midnight)', async () => {
    const org = await createOrg('dates');
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    await json(await ingest(org, makeEvent(0, { id: 'yesterday-noon', timestamp: `${yesterday}T12:00:00.000Z` })), 201);
    const count = async (query: string) =>
      (
        await json<{ totalCount: number }>(
          await call(`/api/v1/organizations/${org.orgId}/audit-logs?filters.source=ingest&${query}`, { token: org.ownerKey }),
          200,
        )
      ).totalCount;
    expect(await count(`filters.startTime=${yesterday}`)).toBe(1);
    expect(await count(`filters.endTime=${yesterday}`)).toBe(0);
    expect(await count(`filters.start_time=${yesterday}T12:00:00Z&filters.end_time=${yesterday}T12:00:01Z`)).toBe(1);
    await expectProblem(
      await call(`/api/v1/organizations/${org.orgId}/audit-logs?filters.startTime=2026-02-30`, { token: org.ownerKey }),
      400,
    );
  });

  it('exports filters.limit events from filters.offset when given, every match otherwise', async () => {
    const org = await createOrg('export-range');
    await json(await ingest(org, { items: Array.from({ length: 30 }, (_, index) => makeEvent(index, { id: `e-${index}` })) }), 201);
    const exported = async (query: string) =>
      (
        await (
          await call(`/api/v1/organizations/${org.orgId}/csv-audit-logs?format=ndjson&filters.source=ingest${query}`, {
            token: org.ownerKey,
          })
        ).text()
      )
        .trim()
        .split('\n')
        .map((line) => (JSON.parse(line) as AuditEvent).id);
    expect(await exported('')).toHaveLength(30);
    expect(await exported('&filters.limit=5&filters.offset=10')).toEqual(['e-10', 'e-11', 'e-12', 'e-13', 'e-14']);
    expect(await exported('&filters.offset=28')).toEqual(['e-28', 'e-29']);
  });
});

describe("Akuity's zero values on ingest", () => {
  it('accepts count 0 and an empty lastOccurredTimestamp, and stores count 1 and the timestamp', async () => {
    const org = await createOrg('zero-values');
    const event = { ...makeEvent(0, { id: 'akuity-own' }), count: 0, lastOccurredTimestamp: '' };
    const { actor } = event;
    const result = await json<IngestResult>(await ingest(org, { ...event, actor: { type: actor.type, id: actor.id } }), 201);
    expect(result.accepted).toBe(1);
    const page = await json<{ items: AuditEvent[] }>(
      await call(`/api/v1/organizations/${org.orgId}/audit-logs?filters.source=ingest`, { token: org.ownerKey }),
      200,
    );
    expect(page.items[0]).toMatchObject({ count: 1, lastOccurredTimestamp: event.timestamp, actor: { ip: '' } });
  });
});

describe('UI extension endpoints', () => {
  async function setUp() {
    const org = await createOrg('ext');
    const argo = await createInstance(org, 'argocd', 'prod');
    const kargo = await createInstance(org, 'kargo', 'delivery');
    await json(
      await ingest(org, {
        items: [
          makeEvent(0, { id: 'app-sync', instanceId: argo.id, object: { type: 'argocd_application', id: { name: 'guestbook' } } }),
          makeEvent(1, { id: 'other-app', instanceId: argo.id, object: { type: 'argocd_application', id: { name: 'billing' } } }),
          makeEvent(2, {
            id: 'promotion',
            instanceId: kargo.id,
            object: { type: 'kargo_promotion', id: { name: 'p-1' }, parentId: { name: 'staging', kargoProjectName: 'storefront' } },
          }),
          makeEvent(3, { id: 'project', instanceId: kargo.id, object: { type: 'kargo_project', id: { name: 'storefront' } } }),
          makeEvent(4, {
            id: 'other-project',
            instanceId: kargo.id,
            object: { type: 'kargo_promotion', id: { name: 'p-2' }, parentId: { kargoProjectName: 'payments' } },
          }),
        ],
      }),
      201,
    );
    return { org, argo, kargo };
  }
  const post = (path: string, body: unknown, headers: Record<string, string>) =>
    call(`/ext-api/v1/${path}/extensions/audit-records`, { method: 'POST', body, headers });

  it("answers an Argo CD instance's records with Akuity's JSON filters (either spelling), scoped to the instance", async () => {
    const { org, argo } = await setUp();
    const auth = { authorization: `Bearer ${org.ownerKey}` };
    const byName = await json<{ items: AuditEvent[]; totalCount: number }>(
      await post('argocd', { instanceId: argo.id, filters: { argocdApplication: { objectName: ['guestbook'] } } }, auth),
      200,
    );
    expect(byName.items.map((item) => item.id)).toEqual(['app-sync']);
    expect(byName.totalCount).toBe(1);
    const snake = await json<{ items: AuditEvent[] }>(
      await post(
        'argocd',
        { instance_id: argo.id, filters: { argocd_application: { object_name: ['guestbook', 'billing'] }, limit: 1 } },
        auth,
      ),
      200,
    );
    expect(snake.items.map((item) => item.id)).toEqual(['app-sync']);
    // The instance's two events and the platform event that recorded its creation.
    const everything = await json<{ totalCount: number }>(await post('argocd', { instanceId: argo.id }, auth), 200);
    expect(everything.totalCount).toBe(3);
  });

  it("answers one Kargo project's records: its own events and those of objects in it", async () => {
    const { org, kargo } = await setUp();
    const records = await json<{ items: AuditEvent[] }>(
      await post('kargo', { instanceId: kargo.id, projectName: 'storefront' }, { authorization: `Bearer ${org.ownerKey}` }),
      200,
    );
    expect(records.items.map((item) => item.id).sort()).toEqual(['project', 'promotion']);
  });

  it('keeps the records to audit readers of the instance organization, and refuses bad bodies', async () => {
    const { org, argo, kargo } = await setUp();
    const other = await createOrg('ext-other');
    const owner = { authorization: `Bearer ${org.ownerKey}` };
    await expectProblem(await post('argocd', { instanceId: argo.id }, {}), 401);
    // Another organization's instance and an unknown one look the same.
    const foreign = await expectProblem(await post('argocd', { instanceId: argo.id }, { authorization: `Bearer ${other.ownerKey}` }), 404);
    const unknown = await expectProblem(
      await post('argocd', { instanceId: 'inst_nope' }, { authorization: `Bearer ${other.ownerKey}` }),
      404,
    );
    expect(foreign.detail.replace(argo.id, 'X')).toBe(unknown.detail.replace('inst_nope', 'X'));
    await expectProblem(
      await post('argocd', { instanceId: argo.id }, { authorization: `Bearer ${(await createKey(org, 'member')).secret}` }),
      403,
    );
    const wrongType = await expectProblem(await post('argocd', { instanceId: kargo.id }, owner), 422);
    expect(wrongType.errors?.[0]?.pointer).toBe('instanceId');
    await expectProblem(await post('kargo', { instanceId: kargo.id }, owner), 422);
    await expectProblem(await post('argocd', { instanceId: argo.id, filters: { argocdApplication: { bogus: ['x'] } } }, owner), 422);
    await expectProblem(await post('argocd', { instanceId: argo.id, filters: { unknownGroup: {} } }, owner), 422);
  });
});
