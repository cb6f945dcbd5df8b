import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { contentHashOf } from '../worker/events/content-hash.ts';
import { eventLineWriter } from '../worker/events/event-line.ts';
import { type EventColumns, type NewAuditEvent, toColumns, toEvent } from '../worker/events/event-shape.ts';
import { eventColumnsFromValues } from '../worker/services/event-store/event-columns.ts';
import { variedStoredRows } from './helpers/varied-rows.ts';

// Every kind of text a stored field can hold: control characters, quotes, backslashes, U+2028,
// astral characters and lone surrogates (JSON.stringify escapes those; the writer must too).
const text = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.constantFrom('', '"', '\\', '\u0000\u001f\u007f', '\u2028\u2029', '</script>', '😀', '\ud800', 'line\nbreak\ttab'),
);
const optionalText = fc.option(text, { nil: null });
// Extra details with the keys that reorder a JavaScript object: integer-like ones ("0", "10"),
// "__proto__", keys that sort between and around message/patch/actionType.
const extraKey = fc.oneof(text, fc.constantFrom('0', '7', '10', '01', '-1', '1.5', '__proto__', 'a', 'zz', 'Message'));
const extraDetails = fc.dictionary(
  extraKey.filter((key) => !['message', 'patch', 'actionType'].includes(key)),
  fc.jsonValue({ maxDepth: 3 }),
  {
    maxKeys: 4,
  },
);

const newEvent: fc.Arbitrary<NewAuditEvent> = fc.record({
  id: text,
  instanceId: optionalText,
  timestamp: fc.integer({ min: 0, max: 253_402_300_799_999 }),
  action: text,
  actor: fc.record({ type: text, id: text, ip: optionalText }),
  object: fc.record({
    type: text,
    id: fc.record({ name: text, kind: optionalText, group: optionalText, namespace: optionalText }),
    parentId: fc.option(
      fc.record({ name: optionalText, parentName: optionalText, applicationName: optionalText, kargoProjectName: optionalText }),
      { nil: null },
    ),
  }),
  details: fc.option(
    fc.tuple(fc.record({ message: optionalText, patch: optionalText, actionType: optionalText }), extraDetails).map(([known, extra]) => ({
      ...extra,
      ...known,
    })),
    { nil: null },
  ),
  source: fc.constantFrom('ingest' as const, 'platform' as const),
  sourceKeyId: optionalText,
  // Recorded credentials: every type, ids with the same hostile text as other fields.
  credential: fc.option(fc.record({ type: fc.constantFrom('api_key', 'session', 'sso', 'passkey', 'access', 'admin_token'), id: text }), {
    nil: null,
  }),
});

const storedRow: fc.Arbitrary<EventColumns> = fc
  .tuple(newEvent, fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }))
  .map(([event, sequence]) => ({
    ...toColumns(event),
    source: event.source,
    sourceKeyId: event.sourceKeyId,
    credentialType: event.credential?.type ?? null,
    credentialId: event.credential?.id ?? null,
    sequence,
  }));

describe('an event line written straight from its row', () => {
  it('is byte for byte JSON.stringify(toEvent(row)), for any stored row', () => {
    fc.assert(
      fc.property(text, storedRow, (organizationId, row) => {
        expect(eventLineWriter(organizationId)(row)).toBe(JSON.stringify(toEvent(organizationId, row)));
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps integer-like extra detail keys where JavaScript puts them (first, ascending)', () => {
    const row = toColumns({
      id: 'evt_digits',
      instanceId: null,
      timestamp: 1_763_251_200_123,
      action: 'update',
      actor: { type: 'user', id: 'alice' },
      object: { type: 'argocd_application', id: { name: 'app' } },
      details: { message: 'm', 10: 'ten', 2: 'two', zeta: 'z' },
      source: 'ingest',
      sourceKeyId: null,
      credential: null,
    });
    const line = eventLineWriter('org_line')({
      ...row,
      source: 'ingest',
      sourceKeyId: null,
      credentialType: null,
      credentialId: null,
      sequence: 1,
    });
    expect(line).toContain('"details":{"2":"two","10":"ten","message":"m","patch":"","actionType":"","zeta":"z"}');
  });

  it('hashes a row holding a lone surrogate (never one read from D1) as D1 would store it, with U+FFFD', () => {
    const row = (message: string, extra: string): EventColumns => ({
      ...toColumns({
        id: 'evt_lone',
        instanceId: null,
        timestamp: 1_763_251_200_123,
        action: 'update',
        actor: { type: 'user', id: 'alice' },
        object: { type: 'argocd_application', id: { name: 'app' } },
        details: { message, note: extra },
        source: 'ingest',
        sourceKeyId: null,
        credential: null,
      }),
      source: 'ingest',
      sourceKeyId: null,
      credentialType: null,
      credentialId: null,
      sequence: 1,
    });
    const stored = toEvent('org_line', row('a\ufffdb', 'x\ufffd'));
    expect(stored.contentHash).toBe(contentHashOf(stored));
    expect(toEvent('org_line', row('a\ud800b', 'x\udc00')).contentHash).toBe(stored.contentHash);
    expect(JSON.parse(eventLineWriter('org_line')(row('a\ud800b', 'x\udc00'))).contentHash).toBe(stored.contentHash);
  });

  it('equals the API shape for rows read back from D1 (both sources, extension fields, extras)', async () => {
    const { orgId, query } = await variedStoredRows('event-line');
    const rows = (await query().values()).map(eventColumnsFromValues);
    expect(rows.length).toBeGreaterThanOrEqual(4);
    expect(new Set(rows.map((row) => row.source))).toEqual(new Set(['ingest', 'platform']));
    const line = eventLineWriter(orgId);
    for (const row of rows) expect(line(row)).toBe(JSON.stringify(toEvent(orgId, row)));
  });
});
