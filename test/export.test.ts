import { describe, expect, it } from 'vitest';
import { call, createOrg, json } from './helpers/api.ts';
import { makeEvent, storedEvents } from './helpers/events.ts';

/** A small RFC 4180 parser, independent of the writer under test. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index];
    if (quoted) {
      if (char === '"' && text[index + 1] === '"') {
        cell += '"';
        index += 1;
      } else if (char === '"') quoted = false;
      else cell += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      row.push(cell);
      cell = '';
    } else if (char === '\r' && text[index + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      index += 1;
    } else cell += char;
  }
  return rows;
}

describe('CSV and NDJSON export', () => {
  it('streams every match (across keyset pages) as RFC 4180 CSV with formula injection neutralised', async () => {
    const org = await createOrg('csv');
    const tricky = [
      makeEvent(0, { id: 'tricky-1', details: { message: 'comma, "quotes" and\nnewline' } }),
      makeEvent(1, { id: 'tricky-2', details: { message: '=HYPERLINK("http://evil.example","click")' } }),
      makeEvent(2, { id: 'tricky-3', actor: { type: 'user', id: '+1-555-0100' } }),
      makeEvent(3, { id: 'tricky-4', object: { type: 'member', id: { name: '@SUM(A1:A2)' } } }),
      makeEvent(4, { id: 'tricky-5', details: { message: '-2+3' } }),
    ];
    const bulk = Array.from({ length: 1200 }, (_, index) => makeEvent(index, { id: `bulk-${index}` }, 10 + index / 100));
    await json(
      await call(`/api/v1/organizations/${org.orgId}/audit-logs`, {
        method: 'POST',
        token: org.ownerKey,
        body: { items: [...tricky, ...bulk.slice(0, 995)] },
      }),
      201,
    );
    await json(
      await call(`/api/v1/organizations/${org.orgId}/audit-logs`, {
        method: 'POST',
        token: org.ownerKey,
        body: { items: bulk.slice(995) },
      }),
      201,
    );

    const response = await call(`/api/v1/organizations/${org.orgId}/csv-audit-logs`, { token: org.ownerKey });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(response.headers.get('content-disposition')).toMatch(/^attachment; filename="audit-logs_org_.*\.csv"$/);
    const rows = parseCsv(await response.text());
    const [header, ...records] = rows;
    expect(header?.slice(0, 5)).toEqual(['id', 'timestamp', 'organizationId', 'instanceId', 'action']);
    // + the three organization-creation events; this export's own event is recorded after its first
    // page is read (so a failing export records nothing), hence it is not part of its own output.
    expect(records).toHaveLength(1205 + 3);
    const byId = new Map(records.map((record) => [record[0], record]));
    const column = (name: string) => header?.indexOf(name) ?? -1;
    expect(byId.get('tricky-1')?.[column('detailsMessage')]).toBe('comma, "quotes" and\nnewline');
    expect(byId.get('tricky-2')?.[column('detailsMessage')]).toBe(`'=HYPERLINK("http://evil.example","click")`);
    expect(byId.get('tricky-3')?.[column('actorId')]).toBe(`'+1-555-0100`);
    expect(byId.get('tricky-4')?.[column('objectName')]).toBe(`'@SUM(A1:A2)`);
    expect(byId.get('tricky-5')?.[column('detailsMessage')]).toBe(`'-2+3`);
    const timestamps = records.map((record) => record[1] ?? '');
    expect(timestamps).toEqual([...timestamps].sort().reverse());
  });

  it('applies the filters and serves NDJSON equal to the API items', async () => {
    const org = await createOrg('ndjson');
    const items = Array.from({ length: 30 }, (_, index) => makeEvent(index, { id: `n-${index}`, action: index % 2 ? 'sync' : 'update' }));
    await json(await call(`/api/v1/organizations/${org.orgId}/audit-logs`, { method: 'POST', token: org.ownerKey, body: { items } }), 201);
    const api = await json<{ items: unknown[] }>(
      await call(`/api/v1/organizations/${org.orgId}/audit-logs?filters.action=sync&filters.limit=1000`, { token: org.ownerKey }),
      200,
    );
    const response = await call(`/api/v1/organizations/${org.orgId}/csv-audit-logs?format=ndjson&filters.action=sync`, {
      token: org.ownerKey,
    });
    expect(response.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
    const lines = (await response.text())
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as unknown);
    expect(lines).toHaveLength(15);
    expect(lines).toEqual(api.items);
    const csv = parseCsv(
      await (await call(`/api/v1/organizations/${org.orgId}/csv-audit-logs?filters.action=sync`, { token: org.ownerKey })).text(),
    );
    expect(csv.slice(1).map((record) => record[0])).toEqual(lines.map((line) => (line as { id: string }).id));
  });

  it('records every export as an audit event', async () => {
    const org = await createOrg('export-event');
    await (await call(`/api/v1/organizations/${org.orgId}/csv-audit-logs?filters.actorType=user`, { token: org.ownerKey })).text();
    const events = await storedEvents(org.orgId);
    expect(events.at(-1)).toMatchObject({ action: 'export', object_type: 'audit_log_archive', actor_id: org.ownerEmail });
  });

  it('never records a HEAD as an export: it transfers nothing (CSV and NDJSON), though it answers like the GET', async () => {
    const org = await createOrg('export-head');
    const exports = async () => (await storedEvents(org.orgId)).filter((event) => event.action === 'export').length;
    for (const [query, type] of [
      ['', 'text/csv; charset=utf-8'],
      ['?format=ndjson', 'application/x-ndjson; charset=utf-8'],
      ['?format=ndjson&filters.action=sync&filters.limit=5', 'application/x-ndjson; charset=utf-8'],
    ] as const) {
      const head = await call(`/api/v1/organizations/${org.orgId}/csv-audit-logs${query}`, { method: 'HEAD', token: org.ownerKey });
      expect(head.status, query).toBe(200);
      expect(head.headers.get('content-type')).toBe(type);
      expect(head.headers.get('content-disposition')).toMatch(/^attachment; filename="audit-logs_org_/);
      expect((await head.arrayBuffer()).byteLength).toBe(0);
    }
    // A HEAD with a bad parameter is the GET's 400, and records nothing either.
    const bad = await call(`/api/v1/organizations/${org.orgId}/csv-audit-logs?filters.limit=0`, { method: 'HEAD', token: org.ownerKey });
    expect(bad.status).toBe(400);
    expect(await exports()).toBe(0);
    await (await call(`/api/v1/organizations/${org.orgId}/csv-audit-logs`, { token: org.ownerKey })).text();
    expect(await exports()).toBe(1);
  });
});
