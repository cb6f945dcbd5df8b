import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AuditLogPage } from '../worker/contract/audit-event.ts';
import { database } from '../worker/db/client.ts';
import { parseIpRange } from '../worker/db/ip-address.ts';
import { NO_RESOLVED_FILTERS, type ResolvedFilters } from '../worker/events/filters.ts';
import { parseSearch, printSearch, SearchSyntaxError } from '../worker/events/search-grammar.ts';
import { countQuery, pageQuery } from '../worker/services/query/audit-logs.ts';
import { call, createOrg, expectProblem, json, type TestOrg } from './helpers/api.ts';
import { makeEvent } from './helpers/events.ts';

// Addresses of the events below, by actor: documentation ranges (RFC 5737, RFC 3849), and one
// IPv6 address sent in a non-canonical form (stored as text, found by its exact text only).
const ACTORS: Record<string, string | undefined> = {
  'a@example.com': '198.51.100.77',
  'b@example.com': '198.51.100.200',
  'c@example.com': '198.51.101.5',
  'd@example.com': '203.0.113.7',
  'e@example.com': '2001:db8::1',
  'f@example.com': '2001:db8:1::9',
  'g@example.com': '2001:db9::1',
  'h@example.com': undefined,
  'i@example.com': '2001:DB8::abcd',
};

describe('ip: in the search grammar', () => {
  it('reads addresses and CIDR prefixes of both families, as `ip:` or as a plain word', () => {
    expect(parseSearch('ip:198.51.100.77').include.ip).toEqual(['198.51.100.77']);
    expect(parseSearch('ip:198.51.100.0/24,2001:db8::/32 -ip:10.0.0.0/8').include.ip).toEqual(['198.51.100.0/24', '2001:db8::/32']);
    expect(parseSearch('-ip:10.0.0.0/8').exclude.ip).toEqual(['10.0.0.0/8']);
    // A pasted address is a search for the events from it; its dotted start is a prefix.
    expect(parseSearch('198.51.100.77 deploy')).toMatchObject({ include: { ip: ['198.51.100.77'] }, words: ['deploy'] });
    expect(parseSearch('198.51.100.').include.ip).toEqual(['198.51.100.0/24']);
    expect(parseSearch('198.51.').include.ip).toEqual(['198.51.0.0/16']);
    expect(parseSearch('2001:db8::1').include.ip).toEqual(['2001:db8::1']);
    expect(parseSearch('198.51.100.0/24').include.ip).toEqual(['198.51.100.0/24']);
    // Quoted it is text again; a version number is not an address.
    expect(parseSearch('"198.51.100.77"')).toMatchObject({ phrases: ['198.51.100.77'], include: { ip: [] } });
    expect(parseSearch('v1.2.3 1.2.3')).toMatchObject({ words: ['v1.2.3', '1.2.3'], include: { ip: [] } });
    const search = parseSearch('198.51.100. -ip:198.51.100.200 ip:2001:db8::/32');
    expect(parseSearch(printSearch(search))).toEqual(search);
  });

  it('refuses a malformed address with a 400 naming the token', () => {
    for (const token of [
      'ip:999.1.1.1',
      'ip:1.2.3.4/33',
      'ip:2001:db8::/129',
      'ip:1.2.3',
      'ip:1.2.3.4/',
      'ip:1.2.3.4/024',
      'ip:01.2.3.4',
      'ip:1.2.3.4\u0000',
      'ip:2001:db8:::1',
      'ip:fe80::1%eth0',
      'ip:1:2:3:4:5:6:7:8:9',
      `ip:${'1'.repeat(100_000)}`,
      'ip:',
      'ip:1.2.3.4,',
    ]) {
      expect(() => parseSearch(token), token.slice(0, 40)).toThrow(SearchSyntaxError);
      try {
        parseSearch(token);
      } catch (error) {
        expect((error as SearchSyntaxError).token).toBe(token);
      }
    }
    expect(() => parseSearch(Array.from({ length: 17 }, (_, index) => `ip:10.0.0.${index}`).join(' '))).toThrow(/at most 16/);
  });

  it('turns a prefix into the byte range it covers (bits past the prefix ignored)', () => {
    const hex = (text: string) => {
      const range = parseIpRange(text);
      return range && [Buffer.from(range.low).toString('hex'), Buffer.from(range.high).toString('hex')];
    };
    expect(hex('198.51.100.7/24')).toEqual(['c6336400', 'c63364ff']);
    expect(hex('10.0.0.0/0')).toEqual(['00000000', 'ffffffff']);
    expect(hex('198.51.100.77/32')).toEqual(['c633644d', 'c633644d']);
    expect(hex('2001:db8::/32')).toEqual(['20010db8000000000000000000000000', '20010db8ffffffffffffffffffffffff']);
    expect(hex('2001:db8::/33')?.[1]).toBe('20010db87fffffffffffffffffffffff');
    expect(hex('::ffff:192.0.2.1')?.[0]).toBe('00000000000000000000ffffc0000201');
  });
});

describe('ip: over the API', () => {
  let org: TestOrg;
  let other: TestOrg;
  const actorsOf = async (text: string, as = org) => {
    const path = `/api/v1/organizations/${as.orgId}/audit-logs?filters.limit=100&filters.q=${encodeURIComponent(text)}`;
    const page = await json<AuditLogPage>(await call(path, { token: as.ownerKey }), 200);
    return page.items.map((event) => event.actor.id).sort();
  };

  beforeAll(async () => {
    org = await createOrg('search-ip');
    other = await createOrg('search-ip-other');
    const items = Object.entries(ACTORS).map(([id, ip], index) =>
      makeEvent(index, { actor: ip ? { type: 'user', id, ip } : { type: 'user', id } }),
    );
    await json(await call(`/api/v1/organizations/${org.orgId}/audit-logs`, { method: 'POST', token: org.ownerKey, body: { items } }), 201);
    // The other tenant has events from the same address: never in this organization's answers.
    await json(
      await call(`/api/v1/organizations/${other.orgId}/audit-logs`, {
        method: 'POST',
        token: other.ownerKey,
        body: makeEvent(0, { actor: { type: 'user', id: 'z@example.com', ip: '198.51.100.77' } }),
      }),
      201,
    );
  });

  it('finds one address, a CIDR prefix, IPv6 of any textual form, and leaves out with -ip:', async () => {
    expect(await actorsOf('ip:198.51.100.77')).toEqual(['a@example.com']);
    expect(await actorsOf('198.51.100.77')).toEqual(['a@example.com']);
    expect(await actorsOf('ip:198.51.100.0/24')).toEqual(['a@example.com', 'b@example.com']);
    expect(await actorsOf('198.51.100.')).toEqual(['a@example.com', 'b@example.com']);
    expect(await actorsOf('198.51.')).toEqual(['a@example.com', 'b@example.com', 'c@example.com']);
    expect(await actorsOf('ip:198.51.100.0/23')).toEqual(['a@example.com', 'b@example.com', 'c@example.com']);
    expect(await actorsOf('ip:2001:db8::1')).toEqual(['e@example.com']);
    expect(await actorsOf('ip:2001:0DB8:0:0:0:0:0:1')).toEqual(['e@example.com']);
    expect(await actorsOf('ip:2001:db8::/32')).toEqual(['e@example.com', 'f@example.com']);
    expect(await actorsOf('2001:db8::/48')).toEqual(['e@example.com']);
    // An IPv4 range never meets a 16-byte address that starts with the same bytes, nor the reverse.
    expect(await actorsOf('ip:32.0.0.0/8')).toEqual([]);
    expect(await actorsOf('ip:c633::/16')).toEqual([]);
    expect(await actorsOf('ip:0.0.0.0/0')).toEqual(['a@example.com', 'b@example.com', 'c@example.com', 'd@example.com']);
    // A non-canonical IPv6 text (stored as sent) is found by that exact address.
    expect(await actorsOf('ip:2001:DB8::abcd')).toEqual(['i@example.com']);
    expect(await actorsOf('ip:198.51.100.77,203.0.113.7')).toEqual(['a@example.com', 'd@example.com']);
    const all = await actorsOf('');
    const withoutA = await actorsOf('-ip:198.51.100.0/24');
    expect(withoutA).toEqual(all.filter((actor) => actor !== 'a@example.com' && actor !== 'b@example.com'));
    expect(withoutA).toContain('h@example.com');
    expect(await actorsOf('ip:198.51.100.0/24 actor:b@example.com')).toEqual(['b@example.com']);
    expect(await actorsOf('ip:198.51.100.77', other)).toEqual(['z@example.com']);
  });

  it('answers 400 naming the token for a malformed address, and changes nothing', async () => {
    const before = await actorsOf('');
    for (const text of ['ip:999.1.1.1', 'ip:1.2.3.4/33', 'ip:2001:db8::/129', `ip:${'9'.repeat(500)}`]) {
      const problem = await expectProblem(
        await call(`/api/v1/organizations/${org.orgId}/audit-logs?filters.q=${encodeURIComponent(text)}`, { token: org.ownerKey }),
        400,
      );
      expect(problem.detail).toContain(`(at "${text}")`);
    }
    // NUL is refused as a parameter before the grammar reads it: still a 400 about filters.q.
    const nul = await expectProblem(
      await call(`/api/v1/organizations/${org.orgId}/audit-logs?filters.q=${encodeURIComponent('ip:1.2.3.4\u0000')}`, {
        token: org.ownerKey,
      }),
      400,
    );
    expect(JSON.stringify(nul)).toContain('filters.q');
    expect(await actorsOf('')).toEqual(before);
  });
});

describe('ip: query plans', () => {
  const db = database(env.DB);
  const plan = async (query: { toSQL(): { sql: string; params: unknown[] } }) => {
    const { sql, params } = query.toSQL();
    const result = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`)
      .bind(...params)
      .all<{ detail: string }>();
    return result.results.map((row) => row.detail).join(' | ');
  };
  const filters = (ips: string[], more: Partial<ResolvedFilters> = {}): ResolvedFilters => ({ ...NO_RESOLVED_FILTERS, ips, ...more });

  it('serves an address, a prefix and several of them from the actor address index, never a walk of the organization', async () => {
    const cases: [ResolvedFilters, RegExp][] = [
      [filters(['198.51.100.77']), /INDEX audit_events_actor_ip_time \(org_key=\? AND actor_ip=\?/],
      [filters(['2001:db8::1']), /MULTI-INDEX OR.*INDEX audit_events_actor_ip_time \(org_key=\? AND actor_ip=\?/],
      [filters(['198.51.100.0/24']), /MULTI-INDEX OR.*INDEX audit_events_actor_ip_time \(org_key=\? AND actor_ip>\? AND actor_ip<\?\)/],
      [filters(['2001:db8::/32']), /MULTI-INDEX OR.*INDEX audit_events_actor_ip_time \(org_key=\? AND actor_ip>\? AND actor_ip<\?\)/],
      [filters(['198.51.100.0/24', '203.0.113.7']), /MULTI-INDEX OR/],
      [filters(['198.51.100.0/24'], { startTime: 1_700_000_000_000, endTime: 1_800_000_000_000 }), /audit_events_actor_ip_time/],
    ];
    for (const [filter, index] of cases) {
      for (const query of [
        pageQuery(db, 'org_x', filter, { limit: 50, offset: 0, cursor: null }),
        pageQuery(db, 'org_x', filter, { limit: 50, offset: 0, cursor: { timestamp: 1_750_000_000_000, position: 4711 } }),
        countQuery(db, 'org_x', filter),
      ]) {
        const steps = await plan(query);
        expect(steps, JSON.stringify(filter.ips)).toMatch(index);
        expect(steps).not.toMatch(/\bSCAN audit_events\b/);
        if (!/MULTI/.test(index.source)) expect(steps).not.toMatch(/INDEX audit_events_time \(org_key=\?\)/);
      }
    }
  });

  it('keeps -ip: a residual condition on whatever range the rest of the filter uses', async () => {
    const steps = await plan(
      countQuery(db, 'org_x', { ...NO_RESOLVED_FILTERS, exclude: { ...NO_RESOLVED_FILTERS.exclude, ips: ['10.0.0.0/8'] } }),
    );
    expect(steps).not.toMatch(/\bSCAN audit_events\b/);
  });
});
