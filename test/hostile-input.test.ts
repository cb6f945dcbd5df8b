import { describe, expect, it } from 'vitest';
import { call, createOrg, expectProblem, json, type TestOrg } from './helpers/api.ts';
import { archivedWeekOf, sha256 } from './helpers/archives.ts';
import { countRows, makeEvent, storedEvents } from './helpers/events.ts';
import { eventsD1 } from './helpers/shards.ts';

const ingest = (org: TestOrg, body: unknown) =>
  call(`/api/v1/organizations/${org.orgId}/audit-logs`, { method: 'POST', token: org.ownerKey, body });
const list = (org: TestOrg, query: string) => call(`/api/v1/organizations/${org.orgId}/audit-logs?${query}`, { token: org.ownerKey });

/** A rejected write must leave audit_events exactly as it was. */
async function expectRejectedWrite(org: TestOrg, body: unknown, pointer: string): Promise<void> {
  const before = await countRows('audit_events');
  const problem = await expectProblem(await ingest(org, body), 422);
  expect(problem.errors?.map((error) => error.pointer)).toContain(pointer);
  expect(await countRows('audit_events')).toBe(before);
}

describe('hostile event bodies', () => {
  it('refuses __proto__, constructor and prototype keys anywhere in an event (422, nothing written)', async () => {
    const org = await createOrg('proto');
    // JSON text, so "__proto__" arrives as an own key exactly as an attacker would send it.
    const event = JSON.stringify(makeEvent(0)).slice(0, -1);
    await expectRejectedWrite(org, `${event},"__proto__":{"polluted":true}}`, '__proto__');
    const nested = JSON.stringify({ ...makeEvent(1), details: { message: 'x', context: { constructor: { prototype: 1 } } } });
    await expectRejectedWrite(org, nested, 'details/context/constructor');
    const inBatch = `{"items":[${JSON.stringify(makeEvent(2))},${JSON.stringify({ ...makeEvent(3), details: { prototype: 'x' } })}]}`;
    await expectRejectedWrite(org, inBatch, 'items/1/details/prototype');
  });

  it('refuses lone UTF-16 surrogates in values and keys (the stored hash would otherwise describe other text)', async () => {
    const org = await createOrg('surrogate');
    await expectRejectedWrite(org, JSON.stringify({ ...makeEvent(0), action: 'sync\ud800' }), 'action');
    await expectRejectedWrite(org, JSON.stringify({ ...makeEvent(0), details: { message: 'ok', 'k\udc00': 1 } }), 'details');
    // A proper surrogate pair (an emoji) is fine.
    await json(await ingest(org, { ...makeEvent(0), details: { message: 'deployed 🚀' } }), 201);
  });

  it('refuses details nested deeper than 32 levels, even thousands deep, without a 5xx', async () => {
    const org = await createOrg('deep');
    const depth = 5000;
    const { details: _replaced, ...withoutDetails } = makeEvent(0);
    const body = `${JSON.stringify(withoutDetails).slice(0, -1)},"details":{"message":"x","deep":${'['.repeat(depth)}${']'.repeat(depth)}}}`;
    const before = await countRows('audit_events');
    const response = await ingest(org, body);
    expect(response.status).toBeLessThan(500);
    const thousands = await expectProblem(response, 422);
    expect(thousands.errors?.[0]?.detail).toMatch(/deeper than 32/);
    expect(await countRows('audit_events')).toBe(before);
    const deepDetails = JSON.stringify({
      ...makeEvent(0),
      details: { message: 'x', deep: JSON.parse(`${'['.repeat(40)}${']'.repeat(40)}`) },
    });
    const problem = await expectProblem(await ingest(org, deepDetails), 422);
    expect(problem.errors?.[0]?.detail).toMatch(/deeper than 32/);
  });

  it('refuses the fields the service sets (source, sourceKeyId, credential, sequence) with 422 naming them', async () => {
    const org = await createOrg('service-fields');
    const values = { source: 'platform', sourceKeyId: 'key_x', credential: { type: 'admin_token', id: 'admin' }, sequence: 1 };
    for (const [field, value] of Object.entries(values)) {
      const problem = await expectProblem(await ingest(org, { ...makeEvent(0), [field]: value }), 422);
      expect(problem.errors).toContainEqual({ pointer: field, detail: 'is set by the service and cannot be sent' });
    }
    const batch = await expectProblem(await ingest(org, { items: [makeEvent(0), { ...makeEvent(1), source: 'platform' }] }), 422);
    expect(batch.errors?.map((error) => error.pointer)).toEqual(['items/1/source']);
  });
});

describe('hostile query parameters', () => {
  it('answers a NUL byte or other control characters in any filter with 400, never 5xx', async () => {
    const org = await createOrg('nul');
    for (const query of ['filters.q=ab%00cd', 'filters.actorId=a%00b', 'filters.objectName=%01', 'filters.action=x%7F']) {
      await expectProblem(await list(org, query), 400);
    }
  });

  it('accepts up to 100 repeated values of a filter (more than D1 binds) and refuses more with 400', async () => {
    const org = await createOrg('many-values');
    await json(await ingest(org, makeEvent(0, { actor: { type: 'user', id: 'actor-99' } })), 201);
    const values = (count: number) => Array.from({ length: count }, (_, index) => `filters.actorId=actor-${index}`).join('&');
    const page = await json<{ items: { actor: { id: string } }[]; totalCount: number }>(
      await list(org, `${values(100)}&filters.action=update&filters.action=sync`),
      200,
    );
    expect(page.totalCount).toBe(1);
    expect(page.items[0]?.actor.id).toBe('actor-99');
    await expectProblem(await list(org, values(101)), 400);
  });

  it('answers year 0000 dates with 400 or an empty answer, never 5xx', async () => {
    const org = await createOrg('year-zero');
    await expectProblem(
      await call(`/api/v1/organizations/${org.orgId}/audit-logs-archives?filters.startDate=0000-01-01`, { token: org.ownerKey }),
      400,
    );
    await expectProblem(
      await call(`/api/v1/organizations/${org.orgId}/audit-logs-archives?filters.endDate=0000-12-31`, { token: org.ownerKey }),
      400,
    );
    const page = await json<{ items: unknown[] }>(
      await list(org, 'filters.startTime=0000-01-01T00:00:00Z&filters.endTime=0001-01-01T00:00:00Z'),
      200,
    );
    expect(page.items).toEqual([]);
  });
});

describe('export failures', () => {
  it('answers a failing export with a problem before any byte, and records the export at most once', async () => {
    const org = await createOrg('export-fail');
    await json(await ingest(org, makeEvent(0)), 201);
    const exports = async () => (await storedEvents(org.orgId)).filter((event) => event.action === 'export').length;
    // A real D1 failure on the export's first page: the search index is briefly unavailable.
    const shard = await eventsD1(org.orgId);
    await shard.exec('ALTER TABLE audit_events_search RENAME TO audit_events_search_away');
    let failed: Response;
    try {
      failed = await call(`/api/v1/organizations/${org.orgId}/csv-audit-logs?filters.q=synced`, { token: org.ownerKey });
    } finally {
      await shard.exec('ALTER TABLE audit_events_search_away RENAME TO audit_events_search');
    }
    const problem = await expectProblem(failed, 500);
    expect(problem.detail).not.toMatch(/audit_events|SQL|D1/);
    expect(await exports()).toBe(0);
    const ok = await call(`/api/v1/organizations/${org.orgId}/csv-audit-logs?filters.q=synced`, { token: org.ownerKey });
    expect(ok.status).toBe(200);
    expect((await ok.text()).split('\r\n').filter(Boolean)).toHaveLength(2);
    expect(await exports()).toBe(1);
  });
});

describe('archive links follow RFC 9110 ranges', () => {
  async function archivedWeek(label: string) {
    const { org, item, bytes } = await archivedWeekOf(label, 40);
    if (!item.presignedUrl) throw new Error('no archive');
    const url = new URL(item.presignedUrl);
    const fetchLink = (init: { method?: string; headers?: Record<string, string> } = {}) =>
      call(url.pathname + url.search, { method: init.method, headers: init.headers });
    const downloads = async () => (await storedEvents(org.orgId)).filter((event) => event.action === 'download').length;
    return { org, fetchLink, bytes, downloads };
  }

  it('answers an unsatisfiable range with 416 and Content-Range: bytes */size', async () => {
    const { fetchLink, bytes } = await archivedWeek('range-416');
    for (const range of [`bytes=${bytes.byteLength}-`, `bytes=${bytes.byteLength + 5}-${bytes.byteLength + 10}`, 'bytes=-0']) {
      const response = await fetchLink({ headers: { range } });
      expect(response.headers.get('content-range'), range).toBe(`bytes */${bytes.byteLength}`);
      await expectProblem(response, 416);
    }
  });

  it('serves the whole file (200) for unparsable or multi-range requests, and for an If-Range that does not match', async () => {
    const { fetchLink, bytes } = await archivedWeek('range-full');
    const cases: Record<string, string>[] = [
      { range: 'bytes=0-1,4-5' },
      { range: 'lines=1-2' },
      { range: 'bytes=9-3' },
      { range: 'bytes=x-' },
      { range: 'bytes=5-9', 'if-range': '"stale"' },
    ];
    for (const headers of cases) {
      const response = await fetchLink({ headers });
      expect(response.status, JSON.stringify(headers)).toBe(200);
      expect(await sha256(new Uint8Array(await response.arrayBuffer()))).toBe(await sha256(bytes));
    }
    const first = await fetchLink();
    const etag = first.headers.get('etag') ?? '';
    await first.body?.cancel();
    const partial = await fetchLink({ headers: { range: 'bytes=-10', 'if-range': etag } });
    expect(partial.status).toBe(206);
    expect(partial.headers.get('content-range')).toBe(`bytes ${bytes.byteLength - 10}-${bytes.byteLength - 1}/${bytes.byteLength}`);
    expect(new Uint8Array(await partial.arrayBuffer())).toEqual(bytes.slice(-10));
  });

  it('counts every GET that sends ZIP bytes as a download (200 and 206), not HEAD or 304', async () => {
    const { fetchLink, downloads } = await archivedWeek('range-events');
    const head = await fetchLink({ method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).not.toBeNull();
    expect(await downloads()).toBe(0);
    const ranged = await fetchLink({ headers: { range: 'bytes=0-99' } });
    expect(ranged.status).toBe(206);
    await ranged.body?.cancel();
    expect(await downloads()).toBe(1);
    const full = await fetchLink();
    const etag = full.headers.get('etag') ?? '';
    await full.arrayBuffer();
    expect(await downloads()).toBe(2);
    expect((await fetchLink({ headers: { 'if-none-match': etag } })).status).toBe(304);
    expect(await downloads()).toBe(2);
  });
});
