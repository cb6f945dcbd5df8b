import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AuditLogArchive, AuditLogPage } from '../worker/contract/index.ts';
import { call, expectProblem, json, type TestOrg } from './helpers/api.ts';
import { archivedWeekOf, sha256 } from './helpers/archives.ts';

/**
 * Every request that sends bytes of an archive's ZIP is a `download` event, whatever its Range:
 * a client that asks for `bytes=0-` (curl -r 0-, resuming download tools) or for the file in
 * pieces gets the whole archive, so the record cannot depend on the status being 200.
 */

interface Archived {
  org: TestOrg;
  item: AuditLogArchive;
  bytes: Uint8Array;
  fetchLink: (link: string, init?: { method?: string; headers?: Record<string, string> }) => Promise<Response>;
  downloads: () => Promise<Record<string, unknown>[]>;
}

async function archivedWeek(label: string): Promise<Archived> {
  const { org, item, bytes } = await archivedWeekOf(label, 60);
  const fetchLink = (link: string, init: { method?: string; headers?: Record<string, string> } = {}) => {
    const url = new URL(link);
    return call(url.pathname + url.search, { method: init.method, headers: init.headers });
  };
  // Through the API, oldest first: what an auditor reads, details included.
  const downloads = async () => {
    const page = await json<AuditLogPage>(
      await call(`/api/v1/organizations/${org.orgId}/audit-logs?filters.action=download&filters.limit=1000`, { token: org.ownerKey }),
      200,
    );
    return page.items.map((event) => event.details as Record<string, unknown>).reverse();
  };
  return { org, item, bytes, fetchLink, downloads };
}

/** Fetches the ZIP with `range`, asserts the answer and reads every byte of it. */
async function ranged(archived: Archived, range: string, expected: { status: number; first: number; last: number }): Promise<Uint8Array> {
  const response = await archived.fetchLink(archived.item.presignedUrl ?? '', { headers: { range } });
  expect(response.status, range).toBe(expected.status);
  const body = new Uint8Array(await response.arrayBuffer());
  expect(body, range).toEqual(archived.bytes.slice(expected.first, expected.last + 1));
  return body;
}

describe('archive downloads are recorded for every transfer of ZIP bytes', () => {
  it('records bytes=0- (the whole file as a 206) with the served range and byte count', async () => {
    const archived = await archivedWeek('dl-open-range');
    const size = archived.bytes.byteLength;
    const body = await ranged(archived, 'bytes=0-', { status: 206, first: 0, last: size - 1 });
    expect(await sha256(body)).toBe(archived.item.sha256);
    const [event, ...more] = await archived.downloads();
    expect(more).toEqual([]);
    expect(event).toMatchObject({ range: `bytes=0-${size - 1}`, bytes: size, size, revision: 1 });
  });

  it('records a suffix range longer than the file (bytes=-99999999)', async () => {
    const archived = await archivedWeek('dl-suffix');
    const size = archived.bytes.byteLength;
    await ranged(archived, 'bytes=-99999999', { status: 206, first: 0, last: size - 1 });
    expect(await archived.downloads()).toEqual([expect.objectContaining({ range: `bytes=0-${size - 1}`, bytes: size, size })]);
  });

  it('records each of two ranges that together are the whole file, one event per request', async () => {
    const archived = await archivedWeek('dl-two-halves');
    const size = archived.bytes.byteLength;
    const half = Math.floor(size / 2);
    const first = await ranged(archived, `bytes=0-${half - 1}`, { status: 206, first: 0, last: half - 1 });
    const second = await ranged(archived, `bytes=${half}-`, { status: 206, first: half, last: size - 1 });
    expect(await sha256(new Uint8Array([...first, ...second]))).toBe(archived.item.sha256);
    expect(await archived.downloads()).toEqual([
      expect.objectContaining({ range: `bytes=0-${half - 1}`, bytes: half, size }),
      expect.objectContaining({ range: `bytes=${half}-${size - 1}`, bytes: size - half, size }),
    ]);
  });

  it('records any range, even one byte or a short suffix', async () => {
    const archived = await archivedWeek('dl-any-range');
    const size = archived.bytes.byteLength;
    await ranged(archived, 'bytes=10-19', { status: 206, first: 10, last: 19 });
    await ranged(archived, 'bytes=5-5', { status: 206, first: 5, last: 5 });
    await ranged(archived, 'bytes=-10', { status: 206, first: size - 10, last: size - 1 });
    // Past the end is cut to the file, and so is the record.
    await ranged(archived, `bytes=${size - 3}-${size + 1000}`, { status: 206, first: size - 3, last: size - 1 });
    expect(await archived.downloads()).toEqual([
      expect.objectContaining({ range: 'bytes=10-19', bytes: 10 }),
      expect.objectContaining({ range: 'bytes=5-5', bytes: 1 }),
      expect.objectContaining({ range: `bytes=${size - 10}-${size - 1}`, bytes: 10 }),
      expect.objectContaining({ range: `bytes=${size - 3}-${size - 1}`, bytes: 3 }),
    ]);
  });

  it('records a full 200 (also one served for a multi-range or stale If-Range) with its byte count and no range', async () => {
    const archived = await archivedWeek('dl-full');
    const size = archived.bytes.byteLength;
    const link = archived.item.presignedUrl ?? '';
    for (const headers of [{}, { range: 'bytes=0-1,4-5' }, { range: 'bytes=5-9', 'if-range': '"stale"' }] as Record<string, string>[]) {
      const response = await archived.fetchLink(link, { headers });
      expect(response.status, JSON.stringify(headers)).toBe(200);
      expect(await sha256(new Uint8Array(await response.arrayBuffer()))).toBe(archived.item.sha256);
    }
    const events = await archived.downloads();
    expect(events).toHaveLength(3);
    for (const event of events) {
      expect(event).toMatchObject({ bytes: size, size, revision: 1 });
      expect(event).not.toHaveProperty('range');
    }
  });

  it('records nothing for what transfers no ZIP bytes: HEAD (with or without Range), 304 and 416', async () => {
    const archived = await archivedWeek('dl-nothing');
    const size = archived.bytes.byteLength;
    const link = archived.item.presignedUrl ?? '';
    for (const headers of [{}, { range: 'bytes=0-' }, { range: 'bytes=0-99' }] as Record<string, string>[]) {
      const head = await archived.fetchLink(link, { method: 'HEAD', headers });
      expect(head.status, JSON.stringify(headers)).toBe('range' in headers ? 206 : 200);
      expect(head.headers.get('content-length')).not.toBeNull();
      expect((await head.arrayBuffer()).byteLength).toBe(0);
    }
    const etag = (await archived.fetchLink(link, { method: 'HEAD' })).headers.get('etag') ?? '';
    expect((await archived.fetchLink(link, { headers: { 'if-none-match': etag } })).status).toBe(304);
    expect((await archived.fetchLink(link, { headers: { 'if-none-match': etag, range: 'bytes=0-' } })).status).toBe(304);
    for (const range of [`bytes=${size}-`, 'bytes=-0']) await expectProblem(await archived.fetchLink(link, { headers: { range } }), 416);
    expect(await archived.downloads()).toEqual([]);
  });

  it('keeps the manifest and the signature unrecorded: they are the archive’s public proof, not its events', async () => {
    const archived = await archivedWeek('dl-proof');
    for (const link of [archived.item.manifestUrl, archived.item.signatureUrl]) {
      for (const headers of [{}, { range: 'bytes=0-' }] as Record<string, string>[]) {
        const response = await archived.fetchLink(link, { headers });
        expect(response.status).toBe('range' in headers ? 206 : 200);
        await response.arrayBuffer();
      }
    }
    expect(await archived.downloads()).toEqual([]);
  });
});

describe('the download record matches what was sent, for any Range (property)', () => {
  it('adds one event per answer with ZIP bytes, whose range and byte count are the answer’s, and none otherwise', async () => {
    const archived = await archivedWeek('dl-property');
    const size = archived.bytes.byteLength;
    const link = archived.item.presignedUrl ?? '';
    const position = fc.oneof(fc.nat({ max: size + 10 }), fc.constant(size - 1), fc.constant(0));
    const range = fc.oneof(
      fc.tuple(position, position).map(([first, last]) => `bytes=${first}-${last}`),
      position.map((first) => `bytes=${first}-`),
      position.map((suffix) => `bytes=-${suffix}`),
      fc.tuple(position, position).map(([a, b]) => `bytes=0-${a},${b}-`),
      fc.constantFrom('bytes=-99999999', 'bytes=0-', 'bytes=x-', 'lines=0-9', `bytes=99999999999999999999-`),
    );
    let expected = 0;
    await fc.assert(
      fc.asyncProperty(range, fc.boolean(), async (header, head) => {
        const response = await archived.fetchLink(link, { method: head ? 'HEAD' : 'GET', headers: { range: header } });
        const body = new Uint8Array(await response.arrayBuffer());
        expect([200, 206, 416], header).toContain(response.status);
        const sent = !head && response.status !== 416;
        if (sent) expected += 1;
        const events = await archived.downloads();
        expect(events, header).toHaveLength(expected);
        if (!sent) return;
        const contentRange = response.headers.get('content-range');
        const last = events.at(-1);
        expect(last?.bytes, header).toBe(body.byteLength);
        expect(last?.size).toBe(size);
        expect(last?.range, header).toBe(contentRange ? contentRange.replace(/^bytes (\d+-\d+)\/\d+$/, 'bytes=$1') : undefined);
      }),
      { numRuns: 60 },
    );
  }, 120_000);
});

describe('signed archive links take only canonical decimal numbers', () => {
  it('refuses a revision or expiry written any other way (leading zero, fraction, exponent, sign, hex, spaces) with 400', async () => {
    const archived = await archivedWeek('dl-canonical');
    const link = new URL(archived.item.presignedUrl ?? '');
    const expires = link.searchParams.get('expires') ?? '';
    const withRevision = (revision: string) => {
      const copy = new URL(link);
      copy.pathname = copy.pathname.replace(/\/1\/zip$/, `/${revision}/zip`);
      return copy.toString();
    };
    const withExpires = (value: string) => {
      const copy = new URL(link);
      copy.searchParams.set('expires', value);
      return copy.toString();
    };
    expect(withRevision('1')).toBe(link.toString());
    const cases: [string, string][] = [
      ['revision 01', withRevision('01')],
      ['revision 1.0', withRevision('1.0')],
      ['revision 1e0', withRevision('1e0')],
      ['revision +1', withRevision('+1')],
      ['revision 0x1', withRevision('0x1')],
      ['revision %201', withRevision('%201')],
      ['revision 1.', withRevision('1.')],
      ['expires e0', withExpires(`${expires}e0`)],
      ['expires .0', withExpires(`${expires}.0`)],
      ['expires leading 0', withExpires(`0${expires}`)],
      ['expires +', withExpires(`+${expires}`)],
      ['expires exponent', withExpires(`${expires.slice(0, -1)}${expires.at(-1)}0e-1`)],
      ['expires hex', withExpires(`0x${Number(expires).toString(16)}`)],
      ['expires space', withExpires(` ${expires}`)],
      ['expires beyond 2^53', withExpires('9007199254740993')],
      ['expires empty', withExpires('')],
    ];
    for (const [label, tampered] of cases) {
      const problem = await expectProblem(await archived.fetchLink(tampered), 400);
      expect(problem.errors?.length, label).toBeGreaterThan(0);
    }
    // The link as issued still works, and only that request is recorded.
    const ok = await archived.fetchLink(link.toString());
    expect(ok.status).toBe(200);
    await ok.arrayBuffer();
    expect(await archived.downloads()).toHaveLength(1);
  });

  it('refuses any respelling of the revision or expiry: zeros, sign, fraction, exponent (property)', async () => {
    const archived = await archivedWeek('dl-respelled');
    const link = new URL(archived.item.presignedUrl ?? '');
    const respelling = fc
      .record({
        zeros: fc.nat({ max: 3 }),
        sign: fc.constantFrom('', '+'),
        tail: fc.constantFrom('', '.', '.0', '.000', 'e0', 'E0', 'e+0', 'e-0', '.0e0'),
      })
      .filter(({ zeros, sign, tail }) => zeros + sign.length + tail.length > 0);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('revision', 'expires'), respelling, async (part, { zeros, sign, tail }) => {
        const target = new URL(link);
        const spell = (digits: string) => `${sign}${'0'.repeat(zeros)}${digits}${tail}`;
        if (part === 'revision') target.pathname = target.pathname.replace(/\/(\d+)\/zip$/, (_, digits: string) => `/${spell(digits)}/zip`);
        else target.searchParams.set('expires', spell(link.searchParams.get('expires') ?? ''));
        expect(target.toString()).not.toBe(link.toString());
        await expectProblem(await archived.fetchLink(target.toString()), 400);
      }),
      { numRuns: 200 },
    );
    expect(await archived.downloads()).toEqual([]);
  }, 120_000);
});
