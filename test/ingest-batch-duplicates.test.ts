import { describe, expect, it } from 'vitest';
import type { IngestResult } from '../worker/contract/index.ts';
import { searchMatch } from '../worker/events/search-text.ts';
import { call, createOrg, expectProblem, json, type TestOrg, unique } from './helpers/api.ts';
import { HEX64, makeEvent } from './helpers/events.ts';
import { eventsD1 } from './helpers/shards.ts';

const ingest = (org: TestOrg, body: unknown) =>
  call(`/api/v1/organizations/${org.orgId}/audit-logs`, { method: 'POST', token: org.ownerKey, body });

/** The search index's entries (rowids, as stored: one per entry) for a word of the organization. */
async function indexEntries(org: TestOrg, word: string): Promise<number[]> {
  const rows = await (await eventsD1(org.orgId))
    .prepare('SELECT rowid AS id FROM audit_events_search WHERE audit_events_search MATCH ? ORDER BY rowid')
    .bind(searchMatch(org.orgId, { words: [word], phrases: [] }) ?? '')
    .all<{ id: number }>();
  return rows.results.map((row) => row.id);
}

/** The stored rows (rowids) of one event id. */
async function storedRows(org: TestOrg, id: string): Promise<number[]> {
  const rows = await (await eventsD1(org.orgId))
    .prepare(
      `SELECT event.rowid AS id FROM audit_events AS event JOIN organization_sequences AS organization ON organization.org_key = event.org_key
        WHERE organization.organization_id = ? AND event.id = ?`,
    )
    .bind(org.orgId, id)
    .all<{ id: number }>();
  return rows.results.map((row) => row.id);
}

/**
 * How many documents the search index holds in the organization's shard, as FTS5 itself counts
 * them: the first varint of its averages record (audit_events_search_data, id 1). Every insert
 * adds one, also a second insert of a rowid already indexed (which MATCH no longer shows).
 */
async function indexedDocuments(org: TestOrg): Promise<number> {
  const row = await (await eventsD1(org.orgId))
    .prepare('SELECT hex(block) AS block FROM audit_events_search_data WHERE id = 1')
    .first<{ block: string }>();
  const bytes = (row?.block.match(/../g) ?? []).map((pair) => Number.parseInt(pair, 16));
  // An SQLite varint: big-endian groups of 7 bits, the high bit set on every byte but the last.
  let value = 0;
  for (const byte of bytes) {
    value = value * 128 + (byte & 0x7f);
    if (byte < 0x80) break;
  }
  return value;
}

/** A word no other event has: its index entries are this event's alone. */
const marker = () => unique('okapi').replaceAll('-', '');

describe('an id sent twice in one batch', () => {
  it('with the same content is stored, counted and indexed once', async () => {
    const org = await createOrg('batch-twice');
    const word = marker();
    const event = makeEvent(1, { id: unique('twice'), details: { message: `${word} rollout` } });
    const other = makeEvent(2, { id: unique('other') });
    const documents = await indexedDocuments(org);
    const result = await json<IngestResult>(await ingest(org, { items: [event, other, event] }), 201);
    expect(result).toEqual({
      accepted: 2,
      duplicates: 1,
      ids: [event.id, other.id, event.id],
      hashes: { [event.id as string]: expect.stringMatching(HEX64), [other.id as string]: expect.stringMatching(HEX64) },
    });
    const rows = await storedRows(org, event.id as string);
    expect(rows).toHaveLength(1);
    expect(await indexEntries(org, word)).toEqual(rows);
    expect(await indexedDocuments(org)).toBe(documents + 2);
    const page = await json<{ totalCount: number }>(
      await call(`/api/v1/organizations/${org.orgId}/audit-logs?filters.q=${word}`, { token: org.ownerKey }),
      200,
    );
    expect(page.totalCount).toBe(1);
    // Sent again (twice, in another batch): both are duplicates, and nothing more is indexed.
    const again = await json<IngestResult>(await ingest(org, { items: [event, event] }), 201);
    expect(again).toEqual({
      accepted: 0,
      duplicates: 2,
      ids: [event.id, event.id],
      hashes: { [event.id as string]: result.hashes[event.id as string] },
    });
    expect(await indexEntries(org, word)).toEqual(rows);
    expect(await indexedDocuments(org)).toBe(documents + 2);
  });

  it('with other content is a 409 naming the later item, and nothing of the batch is stored or indexed', async () => {
    const org = await createOrg('batch-twice-409');
    const word = marker();
    const id = unique('twice');
    const first = makeEvent(1, { id, details: { message: `${word} first` } });
    const second = makeEvent(1, { id, details: { message: `${word} second` } });
    const documents = await indexedDocuments(org);
    const problem = await expectProblem(await ingest(org, { items: [makeEvent(3, { details: { message: word } }), first, second] }), 409);
    expect(problem.errors).toEqual([{ pointer: 'items/2/id', detail: expect.stringContaining('appears earlier in this batch') }]);
    expect(await storedRows(org, id)).toEqual([]);
    expect(await indexEntries(org, word)).toEqual([]);
    expect(await indexedDocuments(org)).toBe(documents);
  });
});
