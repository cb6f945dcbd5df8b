// contentHash (docs/INTEGRITY.md) on the API's read paths and in the ingest answer: recomputed from
// the stored event on every read (never stored), equal on every path, equal to what an independent
// Python 3 recomputation (scripts/content-hash.py) finds in the API's own bytes.
import { describe, expect, it } from 'vitest';
import type { AuditEvent, IngestResult } from '../worker/contract/index.ts';
import { contentHashOf } from '../worker/events/content-hash.ts';
import { call, createKey, createOrg, json, type TestOrg } from './helpers/api.ts';
import { csvLastCells, expectOwnHashes, hashesById, pythonContentHash, variedBatch } from './helpers/content-hash-corpus.ts';
import { makeEvent } from './helpers/events.ts';
import { eventsD1 } from './helpers/shards.ts';

const path = (org: TestOrg, rest: string) => `/api/v1/organizations/${org.orgId}/${rest}`;
const ingestRaw = async (org: TestOrg, body: string, token = org.ownerKey) =>
  json<IngestResult>(await call(path(org, 'audit-logs'), { method: 'POST', token, body }), 201);
const page = async (org: TestOrg, query = 'filters.limit=100') =>
  json<{ items: AuditEvent[] }>(await call(path(org, `audit-logs?${query}`), { token: org.ownerKey }), 200);
const streamPage = async (org: TestOrg) =>
  json<{ items: AuditEvent[] }>(await call(path(org, 'audit-log-stream?afterSequence=0&limit=1000'), { token: org.ownerKey }), 200);
const exported = async (org: TestOrg, format: 'csv' | 'ndjson') => {
  const response = await call(path(org, `csv-audit-logs?format=${format}`), { token: org.ownerKey });
  expect(response.status).toBe(200);
  return response.text();
};
const ndjsonEvents = (text: string) =>
  text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as AuditEvent);

describe('contentHash in the ingest answer and on every read path', () => {
  it('is the same, recomputed from the event, in the ingest answer, pages, the stream, and NDJSON and CSV exports', async () => {
    const org = await createOrg('hash-paths');
    const batch = variedBatch();
    const result = await ingestRaw(org, batch.body);
    expect(result.accepted).toBe(batch.ids.length);
    expect(Object.keys(result.hashes)).toEqual(batch.ids);

    const items = (await page(org)).items;
    expectOwnHashes(items);
    // Every event, the organization's own (its creation) included; the ingested ones as the answer said.
    expect(hashesById(items)).toMatchObject(result.hashes);
    const byId = hashesById(items);

    const streamed = (await streamPage(org)).items;
    expectOwnHashes(streamed);
    expect(hashesById(streamed)).toEqual(byId);

    const lines = ndjsonEvents(await exported(org, 'ndjson'));
    expectOwnHashes(lines);
    expect(hashesById(lines)).toEqual(byId);

    const csv = await exported(org, 'csv');
    expect(csv.split('\r\n')[0]?.endsWith(',sequence,contentHash')).toBe(true);
    // The last cell of each record: every event above, and the one the NDJSON export recorded.
    const cells = csvLastCells(csv);
    expect(cells).toMatchObject(byId);
    expect(Object.keys(cells)).toHaveLength(Object.keys(byId).length + 1);
    expect(hashesById((await page(org)).items)).toMatchObject(cells);

    // The numbers came back in ECMAScript form, as the canonical form has them.
    const numbers = items.find((event) => event.details.message === 'numbers');
    expect(numbers?.details.n).toEqual([
      1e21, 1e-7, 0, 0.1, 1, 1, 12345678901234567000, 9007199254740992, 5e-324, -1.5e-300, 0.000001, 1.2345678901234568e29, 1e20, -42,
    ]);
  });

  it('agrees with python3 scripts/content-hash.py on the API bytes: an NDJSON export, a JSON page, a tampered line', async () => {
    const org = await createOrg('hash-python');
    const batch = variedBatch();
    const result = await ingestRaw(org, batch.body);

    const text = await exported(org, 'ndjson');
    const events = ndjsonEvents(text);
    const fromExport = await pythonContentHash(text);
    expect(fromExport.stderr).toBe('');
    expect(fromExport.code).toBe(0);
    expect(fromExport.stdout).toBe(events.map((event) => `${event.contentHash} ${event.id}\n`).join(''));
    for (const id of batch.ids) expect(fromExport.stdout).toContain(`${result.hashes[id]} ${id}\n`);
    // The copy docs/INTEGRITY.md prints is the same program.
    expect(await pythonContentHash(text, 'docs')).toEqual(fromExport);

    const pageText = await (await call(path(org, 'audit-logs?filters.limit=100'), { token: org.ownerKey })).text();
    const fromPage = await pythonContentHash(pageText);
    expect(fromPage.code).toBe(0);
    const items = (JSON.parse(pageText) as { items: AuditEvent[] }).items;
    expect(fromPage.stdout).toBe(items.map((event) => `${event.contentHash} ${event.id}\n`).join(''));

    // One line changed but its contentHash kept: the script names it and fails.
    const line = text.split('\n').find((candidate) => candidate.includes(batch.ids[2] as string)) as string;
    const tampered = line.replace('"ten"', '"TEN"');
    expect(tampered).not.toBe(line);
    const sequence = (JSON.parse(line) as AuditEvent).sequence;
    const refused = await pythonContentHash(`${tampered}\n`);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`event ${batch.ids[2]} (sequence ${sequence}): contentHash`);
  });

  it('names, for a duplicate, the hash of the event stored before: its provenance, not the resent copy’s', async () => {
    const org = await createOrg('hash-duplicates');
    const writer = await createKey(org, 'ingest');
    const event = makeEvent(1, { id: `dup-${org.orgId}` });
    const first = await ingestRaw(org, JSON.stringify(event));
    const again = await ingestRaw(org, JSON.stringify({ items: [event, makeEvent(2, { id: `new-${org.orgId}` })] }), writer.secret);
    expect(again).toMatchObject({ accepted: 1, duplicates: 1 });
    expect(again.hashes[event.id as string]).toBe(first.hashes[event.id as string]);
    const stored = (await page(org)).items.find((item) => item.id === event.id) as AuditEvent;
    expect(stored.sourceKeyId).toBe(org.ownerKeyId);
    expect(again.hashes[event.id as string]).toBe(stored.contentHash);
    // What the resending key would have been recorded as hashes differently: the answer is the stored event's.
    expect(contentHashOf({ ...stored, sourceKeyId: writer.id, credential: { type: 'api_key', id: writer.id } })).not.toBe(
      stored.contentHash,
    );
    expect(again.hashes[`new-${org.orgId}`]).toBe(hashesById((await page(org)).items)[`new-${org.orgId}`]);
  });

  it('is recomputed, never stored: a column changed directly in D1 changes what the API returns, and the sender’s hash no longer matches', async () => {
    const org = await createOrg('hash-tamper');
    const batch = variedBatch();
    const result = await ingestRaw(org, batch.body);
    const id = batch.ids[1] as string;
    const before = (await page(org)).items.find((event) => event.id === id) as AuditEvent;
    expect(before.contentHash).toBe(result.hashes[id]);

    const db = await eventsD1(org.orgId);
    const changed = await db.prepare("UPDATE audit_events SET action = 'delete' WHERE id = ?").bind(id).run();
    expect(changed.meta.changes).toBe(1);
    const after = (await page(org)).items.find((event) => event.id === id) as AuditEvent;
    expect(after.action).toBe('delete');
    expect(after.contentHash).toBe(contentHashOf(after));
    expect(after.contentHash).toBe(contentHashOf({ ...before, action: 'delete' }));
    expect(after.contentHash).not.toBe(result.hashes[id]);
    // Every other path shows the altered event with the same recomputed hash.
    expect(hashesById((await streamPage(org)).items)[id]).toBe(after.contentHash);
    expect(hashesById(ndjsonEvents(await exported(org, 'ndjson')))[id]).toBe(after.contentHash);

    // Moving an event to another sequence changes its hash too (the sequence is covered).
    await db.prepare('UPDATE audit_events SET sequence = sequence + 1000 WHERE id = ?').bind(id).run();
    const moved = (await page(org)).items.find((event) => event.id === id) as AuditEvent;
    expect(moved.sequence).toBe(after.sequence + 1000);
    expect(moved.contentHash).toBe(contentHashOf({ ...after, sequence: after.sequence + 1000 }));
    expect(moved.contentHash).not.toBe(after.contentHash);
  });
});
