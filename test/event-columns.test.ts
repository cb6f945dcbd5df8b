import { describe, expect, it } from 'vitest';
import { dayPageQuery } from '../worker/services/archives';
import { eventColumnsFromValues } from '../worker/services/event-columns';
import { call, createOrg, json } from './helpers/api';
import { makeEvent } from './helpers/events';
import { eventsDatabase } from './helpers/shards';

describe('event rows read as arrays', () => {
  it('map to exactly what Drizzle maps them to: every column, nulls, both sources, extra details', async () => {
    const org = await createOrg('event-columns', { shard: 'SHARD_2' });
    const items = [
      makeEvent(0),
      makeEvent(1, { details: { message: 'with extras', patch: '{"a":1}', actionType: 'update', extra: { nested: [1, 'two'] } } }),
      makeEvent(2, {
        object: {
          type: 'kargo_stage',
          id: { name: 'stage', kind: 'Stage', group: 'kargo.akuity.io', namespace: 'ns' },
          parentId: { name: 'p', parentName: '', applicationName: '', kargoProjectName: 'proj' },
        },
      }),
    ];
    await json(await call(`/api/v1/organizations/${org.orgId}/audit-logs`, { method: 'POST', token: org.ownerKey, body: { items } }), 201);
    // An export records a platform event, so both sources are among the rows.
    expect((await call(`/api/v1/organizations/${org.orgId}/csv-audit-logs`, { token: org.ownerKey })).status).toBe(200);
    const db = await eventsDatabase(org.orgId);
    const allTime = { startMs: 0, endMs: Date.now() + 86_400_000 };
    const query = () => dayPageQuery(db, org.orgId, allTime, Date.now() + 60_000, 100, null);
    const mapped = await query();
    const fromValues = (await query().values()).map(eventColumnsFromValues);
    expect(mapped.length).toBeGreaterThanOrEqual(4);
    expect(new Set(mapped.map((row) => row.source))).toEqual(new Set(['ingest', 'platform']));
    expect(fromValues).toEqual(mapped);
    expect(fromValues.map((row) => Object.keys(row))).toEqual(mapped.map((row) => Object.keys(row)));
  });
});
