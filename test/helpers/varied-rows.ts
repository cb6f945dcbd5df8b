import { dayPageQuery } from '../../worker/services/archive/archive-rows.ts';
import { call, createOrg, json } from './api.ts';
import { makeEvent } from './events.ts';
import { eventsDatabase } from './shards.ts';

/**
 * A fresh organization whose stored rows cover every kind of column a read maps: both sources (an
 * export records a platform event), extra details (an integer-like key among them), the optional
 * extension fields, non-ASCII text and an IPv4 actor address (stored as 4 bytes). `query` reads
 * them all back as the archive does.
 */
export async function variedStoredRows(label: string) {
  const org = await createOrg(label, { shard: 'SHARD_2' });
  const items = [
    makeEvent(0),
    makeEvent(1, {
      details: { message: 'with "extras"\n', patch: '{"a":1}', actionType: 'update', extra: { nested: [1, 'two'] }, 5: 'five' },
    }),
    makeEvent(2, {
      actor: { type: 'user', id: 'ünïcødé 😀', ip: '203.0.113.7' },
      object: {
        type: 'kargo_stage',
        id: { name: 'stage', kind: 'Stage', group: 'kargo.akuity.io', namespace: 'ns' },
        parentId: { name: 'p', parentName: '', applicationName: '', kargoProjectName: 'proj' },
      },
    }),
  ];
  await json(await call(`/api/v1/organizations/${org.orgId}/audit-logs`, { method: 'POST', token: org.ownerKey, body: { items } }), 201);
  const exported = await call(`/api/v1/organizations/${org.orgId}/csv-audit-logs`, { token: org.ownerKey });
  if (exported.status !== 200) throw new Error(`export answered ${exported.status}`);
  await exported.arrayBuffer();
  const db = await eventsDatabase(org.orgId);
  const query = () => dayPageQuery(db, org.orgId, { startMs: 0, endMs: Date.now() + 86_400_000 }, Date.now() + 60_000, 100, null);
  return { orgId: org.orgId, query };
}
