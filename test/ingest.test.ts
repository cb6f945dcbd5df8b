import { describe, expect, it } from 'vitest';
import type { AuditEvent, IngestResult } from '../worker/contract/index.ts';
import { ADMIN, call, createInstance, createKey, createOrg, expectProblem, json, unique } from './helpers/api.ts';
import { type EventInput, HEX64, makeEvent, storedEvents, withContentHash } from './helpers/events.ts';
import { eventsD1 } from './helpers/shards.ts';

const ingest = (orgId: string, token: string, body: unknown) =>
  call(`/api/v1/organizations/${orgId}/audit-logs`, { method: 'POST', token, body });

async function eventCount(orgId: string): Promise<number> {
  return (
    (
      await (
        await eventsD1(orgId)
      )
        .prepare('SELECT count(*) AS n FROM audit_events_by_organization WHERE organization_id = ?')
        .bind(orgId)
        .first<{ n: number }>()
    )?.n ?? 0
  );
}

describe('ingest', () => {
  it('stores one event, makes a ULID id, and returns it in the API shape with provenance and sequence', async () => {
    const org = await createOrg('ingest-one');
    const instance = await createInstance(org, 'argocd', 'prod');
    const event = makeEvent(1, { instanceId: instance.id });
    const result = await json<IngestResult>(await ingest(org.orgId, org.ownerKey, event), 201);
    expect(result).toEqual({
      accepted: 1,
      duplicates: 0,
      ids: [expect.stringMatching(/^[0-9A-HJKMNP-TV-Z]{26}$/)],
      hashes: { [result.ids[0] as string]: expect.stringMatching(HEX64) },
    });
    const page = await json<{ items: unknown[] }>(
      await call(`/api/v1/organizations/${org.orgId}/audit-logs?filters.instanceId=${instance.id}&filters.objectType=argocd_application`, {
        token: org.ownerKey,
      }),
      200,
    );
    expect(page.items).toEqual([
      withContentHash({
        id: result.ids[0],
        organizationId: org.orgId,
        instanceId: instance.id,
        timestamp: event.timestamp,
        action: 'update',
        actor: { type: 'user', id: 'alice@example.com', ip: '203.0.113.7' },
        object: {
          type: 'argocd_application',
          id: { name: 'app-1', kind: 'Application', group: 'argoproj.io' },
          parentId: { name: 'prod', parentName: '', applicationName: '' },
        },
        details: { message: 'Synced to 0000001', patch: '', actionType: 'sync' },
        count: 1,
        lastOccurredTimestamp: event.timestamp,
        source: 'ingest',
        sourceKeyId: org.ownerKeyId,
        credential: { type: 'api_key', id: org.ownerKeyId },
        // The organization's creation recorded events 1–3 and the instance 4.
        sequence: 5,
      }),
    ]);
    // The ingest answer named the stored event's contentHash, the one every read returns.
    expect(result.hashes).toEqual({ [result.ids[0] as string]: (page.items[0] as AuditEvent).contentHash });
  });

  it('stores the optional namespace and Kargo project, shown only when set, and keeps older content hashes', async () => {
    const org = await createOrg('ingest-extension');
    const withFields = makeEvent(0, {
      id: 'with-fields',
      object: {
        type: 'k8s_resource',
        id: { name: 'web', kind: 'Deployment', namespace: 'shop' },
        parentId: { name: 'stage-a', kargoProjectName: 'storefront' },
      },
    });
    const without = makeEvent(1, { id: 'without-fields' });
    await json(await ingest(org.orgId, org.ownerKey, { items: [withFields, without] }), 201);
    const page = await json<{ items: AuditEvent[] }>(
      await call(`/api/v1/organizations/${org.orgId}/audit-logs?filters.source=ingest`, { token: org.ownerKey }),
      200,
    );
    const stored = new Map(page.items.map((item) => [item.id, item]));
    expect(stored.get('with-fields')?.object).toEqual({
      type: 'k8s_resource',
      id: { name: 'web', kind: 'Deployment', group: '', namespace: 'shop' },
      parentId: { name: 'stage-a', parentName: '', applicationName: '', kargoProjectName: 'storefront' },
    });
    expect(Object.keys(stored.get('without-fields')?.object.id ?? {})).toEqual(['name', 'kind', 'group']);
    expect(Object.keys(stored.get('without-fields')?.object.parentId ?? {})).toEqual(['name', 'parentName', 'applicationName']);
    // Retries are duplicates; an empty namespace is the same content as none.
    const retry = await json<IngestResult>(
      await ingest(org.orgId, org.ownerKey, {
        items: [withFields, { ...without, object: { ...without.object, id: { ...without.object.id, namespace: '' } } }],
      }),
      201,
    );
    expect(retry).toMatchObject({ accepted: 0, duplicates: 2 });
    const csv = await (
      await call(`/api/v1/organizations/${org.orgId}/csv-audit-logs?filters.objectType=k8s_resource`, { token: org.ownerKey })
    ).text();
    const [header, row] = csv.split('\r\n').map((line) => line.split(','));
    expect(row?.[header?.indexOf('objectNamespace') ?? -1]).toBe('shop');
    expect(row?.[header?.indexOf('parentKargoProjectName') ?? -1]).toBe('storefront');
    const search = await json<{ totalCount: number }>(
      await call(`/api/v1/organizations/${org.orgId}/audit-logs?filters.q=storefront`, { token: org.ownerKey }),
      200,
    );
    expect(search.totalCount).toBe(1);
  });

  it('ingests 1000 events in one call and replays them as 1000 duplicates', async () => {
    const org = await createOrg('ingest-1000');
    const items = Array.from({ length: 1000 }, (_, index) => makeEvent(index, { id: `evt-${index}` }, index / 10));
    const first = await json<IngestResult>(await ingest(org.orgId, org.ownerKey, { items }), 201);
    expect(first.accepted).toBe(1000);
    expect(first.duplicates).toBe(0);
    expect(first.ids).toEqual(items.map((item) => item.id));
    const replay = await json<IngestResult>(await ingest(org.orgId, org.ownerKey, { items }), 201);
    expect(Object.keys(first.hashes)).toEqual(first.ids);
    expect(replay).toEqual({ accepted: 0, duplicates: 1000, ids: first.ids, hashes: first.hashes });
    expect(await eventCount(org.orgId)).toBe(1000 + 3);
  });

  it('treats equal content in another key order as the same event', async () => {
    const org = await createOrg('ingest-canonical');
    const event = makeEvent(1, { id: 'same', details: { message: 'm', extra: { b: 1, a: 2 } } });
    await json(await ingest(org.orgId, org.ownerKey, event), 201);
    const reordered = { ...event, details: { extra: { a: 2, b: 1 }, message: 'm' } };
    expect(await json<IngestResult>(await ingest(org.orgId, org.ownerKey, reordered), 201)).toMatchObject({ accepted: 0, duplicates: 1 });
  });

  it('rejects the whole batch with 422 naming every bad item, and writes nothing', async () => {
    const org = await createOrg('ingest-422');
    const items: unknown[] = Array.from({ length: 10 }, (_, index) => makeEvent(index));
    items[3] = { ...makeEvent(3), actor: { type: 'user' } };
    items[7] = { ...makeEvent(7), timestamp: 'yesterday' };
    const before = await eventCount(org.orgId);
    const problem = await expectProblem(await ingest(org.orgId, org.ownerKey, { items }), 422);
    expect(problem.errors?.map((error) => error.pointer)).toEqual(['items/3/actor/id', 'items/7/timestamp']);
    expect(await eventCount(org.orgId)).toBe(before);
  });

  it('enforces the event limits (ids and actions ≤ 256 characters, details ≤ 32 KiB, clock skew, age)', async () => {
    const org = await createOrg('ingest-limits');
    const other = await createOrg('ingest-limits-other');
    const foreignInstance = await createInstance(other, 'kargo');
    const cases: [EventInput | Record<string, unknown>, string][] = [
      [makeEvent(1, { action: 'a'.repeat(257) }), 'action'],
      [makeEvent(1, { id: 'x'.repeat(257) }), 'id'],
      [makeEvent(1, { id: 'has space' }), 'id'],
      [makeEvent(1, { details: { message: 'x'.repeat(33 * 1024) } }), 'details'],
      [makeEvent(1, { timestamp: new Date(Date.now() + 10 * 60_000).toISOString() }), 'timestamp'],
      [makeEvent(1, { timestamp: new Date(Date.now() - 31 * 86_400_000).toISOString() }), 'timestamp'],
      [makeEvent(1, { instanceId: foreignInstance.id }), 'instanceId'],
      [makeEvent(1, { organizationId: other.orgId }), 'organizationId'],
      [{ ...makeEvent(1), unexpected: true }, 'unexpected'],
      [{ ...makeEvent(1), actor: { type: 'user', id: 'a', ip: 'not-an-ip' } }, 'actor/ip'],
    ];
    for (const [event, pointer] of cases) {
      const problem = await expectProblem(await ingest(org.orgId, org.ownerKey, event), 422);
      expect(problem.errors?.[0]?.pointer, JSON.stringify(problem)).toBe(pointer);
    }
    await expectProblem(await ingest(org.orgId, org.ownerKey, { items: [] }), 422);
    await expectProblem(
      await ingest(org.orgId, org.ownerKey, { items: Array.from({ length: 1001 }, (_, index) => makeEvent(index)) }),
      422,
    );
    await expectProblem(await ingest(org.orgId, org.ownerKey, [makeEvent(1)]), 422);
    expect(await eventCount(org.orgId)).toBe(3);
  });

  it('lets the platform admin backfill events older than MAX_EVENT_AGE_DAYS', async () => {
    const org = await createOrg('backfill');
    const old = makeEvent(1, { timestamp: new Date(Date.now() - 60 * 86_400_000).toISOString() });
    expect((await json<IngestResult>(await ingest(org.orgId, ADMIN, old), 201)).accepted).toBe(1);
  });

  it('answers a reused id with other content with 409 and writes nothing of the batch', async () => {
    const org = await createOrg('ingest-409');
    await json(await ingest(org.orgId, org.ownerKey, makeEvent(1, { id: 'dup-1' })), 201);
    const before = await eventCount(org.orgId);
    const problem = await expectProblem(
      await ingest(org.orgId, org.ownerKey, { items: [makeEvent(2, { id: 'fresh-2' }), makeEvent(1, { id: 'dup-1', action: 'delete' })] }),
      409,
    );
    expect(problem.errors?.[0]?.pointer).toBe('items/1/id');
    expect(await eventCount(org.orgId)).toBe(before);
    await expectProblem(
      await ingest(org.orgId, org.ownerKey, { items: [makeEvent(3, { id: 'twice' }), makeEvent(4, { id: 'twice' })] }),
      409,
    );
  });

  it('answers a body over 1 MiB with 413 and malformed JSON with 400', async () => {
    const org = await createOrg('ingest-413');
    const big = { items: Array.from({ length: 40 }, (_, index) => makeEvent(index, { details: { message: 'x'.repeat(30 * 1024) } })) };
    await expectProblem(await ingest(org.orgId, org.ownerKey, big), 413);
    await expectProblem(await ingest(org.orgId, org.ownerKey, '{"items": ['), 400);
    expect(await eventCount(org.orgId)).toBe(3);
  });

  it('keeps ingest keys to their organization and, when bound, to their instance', async () => {
    const org = await createOrg('ingest-keys');
    const argo = await createInstance(org, 'argocd');
    const kargo = await createInstance(org, 'kargo');
    const bound = await createKey(org, 'ingest', { instanceId: argo.id });
    expect((await json<IngestResult>(await ingest(org.orgId, bound.secret, makeEvent(1, { instanceId: argo.id })), 201)).accepted).toBe(1);
    await expectProblem(await ingest(org.orgId, bound.secret, makeEvent(2, { instanceId: kargo.id })), 403);
    await expectProblem(await ingest(org.orgId, bound.secret, makeEvent(3)), 403);
    await expectProblem(
      await ingest(org.orgId, bound.secret, { items: [makeEvent(4, { instanceId: argo.id }), makeEvent(5, { instanceId: kargo.id })] }),
      403,
    );

    const unbound = await createKey(org, 'ingest');
    expect((await json<IngestResult>(await ingest(org.orgId, unbound.secret, makeEvent(6, { instanceId: kargo.id })), 201)).accepted).toBe(
      1,
    );
    const other = await createOrg('ingest-keys-other');
    await expectProblem(await ingest(other.orgId, unbound.secret, makeEvent(7)), 403);
    const member = await createKey(org, 'member');
    await expectProblem(await ingest(org.orgId, member.secret, makeEvent(8)), 403);
    const stored = await storedEvents(org.orgId);
    expect(stored.filter((event) => event.object_type === 'argocd_application')).toHaveLength(2);
  });

  it('answers a missing content type with a problem', async () => {
    const org = await createOrg('ingest-415');
    const response = await call(`/api/v1/organizations/${org.orgId}/audit-logs`, {
      method: 'POST',
      token: org.ownerKey,
      headers: { 'content-type': 'text/plain' },
    });
    const problem = await expectProblem(response, response.status);
    expect([400, 415]).toContain(problem.status);
  });

  it('writes events of one organization only: ids are scoped per organization', async () => {
    const first = await createOrg(unique('scope-a'));
    const second = await createOrg(unique('scope-b'));
    const event = makeEvent(1, { id: 'shared-id' });
    expect((await json<IngestResult>(await ingest(first.orgId, first.ownerKey, event), 201)).accepted).toBe(1);
    expect((await json<IngestResult>(await ingest(second.orgId, second.ownerKey, { ...event, action: 'other' }), 201)).accepted).toBe(1);
  });
});
