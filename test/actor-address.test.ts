import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AuditEvent, AuditLogPage } from '../worker/contract/audit-event.ts';
import { actorAddressBytes, actorAddressText } from '../worker/db/actor-address.ts';
import { call, createOrg, json } from './helpers/api.ts';
import { makeEvent } from './helpers/events.ts';
import { eventsD1 } from './helpers/shards.ts';

// What ingest accepts (an IPv4 or IPv6 address, or none); other texts (a platform event's address
// comes from a header) are covered by the property above.
const ADDRESSES = ['203.0.113.7', '0.0.0.0', '255.255.255.255', '::1', '2001:db8::1', '::ffff:192.0.2.1', '2001:DB8::1', ''];

describe('actor addresses', () => {
  it('round-trip exactly: canonical IPv4 as 4 bytes, canonical (RFC 5952) IPv6 as 16, anything else as text', () => {
    fc.assert(
      fc.property(fc.ipV4(), (address) => {
        const bytes = actorAddressBytes(address);
        expect(bytes?.byteLength).toBe(4);
        expect(actorAddressText(Array.from(bytes ?? []))).toBe(address);
      }),
    );
    for (const [address, stored] of [
      ['2001:db8::1', 16],
      ['::', 16],
      ['1::', 16],
      ['2001:db8:0:1:1:1:1:1', 16],
      ['2001:db8::1:0:0:1', 16],
      ['2001:0db8::1', null],
      ['2001:DB8::1', null],
      ['2001:db8:0:0:1::1', null],
      ['::ffff:192.0.2.1', null],
      ['fe80::1%eth0', null],
    ] as const) {
      expect(actorAddressBytes(address)?.byteLength ?? null, address).toBe(stored);
    }
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.ipV4Extended(), fc.ipV6()), (address) => {
        const bytes = actorAddressBytes(address);
        // Encoded only when decoding gives back the very same text.
        if (bytes) expect(actorAddressText(Array.from(bytes))).toBe(address);
      }),
    );
  });

  it('are stored compactly and read back as sent by the list, the stream and NDJSON export; a resend is a duplicate', async () => {
    const org = await createOrg('actor-address', { shard: 'SHARD_1' });
    const items = ADDRESSES.map((ip, index) => ({
      ...makeEvent(index, { actor: { type: 'user', id: `u${index}@example.com`, ip } }),
      id: `address-${index}-${crypto.randomUUID()}`,
    }));
    const path = `/api/v1/organizations/${org.orgId}/audit-logs`;
    await json(await call(path, { method: 'POST', token: org.ownerKey, body: { items } }), 201);

    const d1 = await eventsD1(org.orgId);
    const stored = await d1
      .prepare(
        "SELECT actor_id AS actorId, typeof(actor_ip) AS kind FROM audit_events_by_organization WHERE organization_id = ? AND actor_id LIKE 'u%'",
      )
      .bind(org.orgId)
      .all<{ actorId: string; kind: string }>();
    const kinds = Object.fromEntries(stored.results.map((row) => [row.actorId, row.kind]));
    expect(ADDRESSES.map((_, index) => kinds[`u${index}@example.com`])).toEqual([
      'blob',
      'blob',
      'blob',
      'blob',
      'blob',
      'text',
      'text',
      'null',
    ]);

    const byActor = (events: Pick<AuditEvent, 'actor'>[]) => Object.fromEntries(events.map((event) => [event.actor.id, event.actor.ip]));
    const expected = Object.fromEntries(ADDRESSES.map((ip, index) => [`u${index}@example.com`, ip]));
    const page = await json<AuditLogPage>(await call(`${path}?filters.limit=100`, { token: org.ownerKey }), 200);
    expect(byActor(page.items)).toMatchObject(expected);
    const stream = await json<{ items: AuditEvent[] }>(
      await call(`/api/v1/organizations/${org.orgId}/audit-log-stream?afterSequence=0&limit=100`, { token: org.ownerKey }),
      200,
    );
    expect(byActor(stream.items)).toMatchObject(expected);
    const ndjson = await (await call(`/api/v1/organizations/${org.orgId}/csv-audit-logs?format=ndjson`, { token: org.ownerKey })).text();
    const exported = ndjson
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as AuditEvent);
    expect(byActor(exported)).toMatchObject(expected);

    const again = await json<{ accepted: number; duplicates: number }>(
      await call(path, { method: 'POST', token: org.ownerKey, body: { items } }),
      201,
    );
    expect(again).toMatchObject({ accepted: 0, duplicates: ADDRESSES.length });
  });
});
