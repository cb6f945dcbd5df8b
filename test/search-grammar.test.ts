import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { LIST_QUALIFIERS, type ParsedSearch, parseSearch, printSearch, SearchSyntaxError } from '../worker/events/search-grammar.ts';
import { call, createInstance, createOrg, json, type TestOrg } from './helpers/api.ts';
import { makeEvent } from './helpers/events.ts';

/** Values a qualifier can carry: anything printable without a double quote. */
const value = fc
  .string({ minLength: 1, maxLength: 12 })
  .filter((text) => !/["\s]/.test(text) || /^[^"]+$/.test(text))
  .map((text) => text.trim())
  .filter((text) => text.length > 0 && !text.includes('"'));
const ipValue = fc.constantFrom('198.51.100.77', '198.51.100.0/24', '2001:db8::/32', '::1', '10.0.0.0/8');
const word = fc.stringMatching(/^[a-z][a-z0-9]{1,8}$/);
const day = fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2030, 0, 1) }).map((ms) => ms - (ms % 1000));

const parsedSearch: fc.Arbitrary<ParsedSearch> = fc.record({
  include: fc.record(
    Object.fromEntries(
      LIST_QUALIFIERS.map((name) => [
        name,
        fc.array(name === 'source' ? fc.constantFrom('platform', 'ingest') : name === 'ip' ? ipValue : value, { maxLength: 2 }),
      ]),
    ) as Record<(typeof LIST_QUALIFIERS)[number], fc.Arbitrary<string[]>>,
  ),
  exclude: fc.record(
    Object.fromEntries(
      LIST_QUALIFIERS.map((name) => [
        name,
        fc.array(name === 'source' ? fc.constantFrom('platform', 'ingest') : name === 'ip' ? ipValue : value, { maxLength: 2 }),
      ]),
    ) as Record<(typeof LIST_QUALIFIERS)[number], fc.Arbitrary<string[]>>,
  ),
  after: fc.option(day, { nil: null }),
  before: fc.option(day, { nil: null }),
  phrases: fc.array(
    fc.tuple(word, word).map(([first, second]) => `${first} ${second}`),
    { maxLength: 2 },
  ),
  words: fc.array(word, { maxLength: 3 }),
});

describe('search grammar', () => {
  it('prints what it parses: parse(print(search)) is the same search', () => {
    fc.assert(
      fc.property(parsedSearch, (search) => {
        expect(parseSearch(printSearch(search))).toEqual(search);
      }),
      { numRuns: 2000 },
    );
  });

  it('is stable on any text it accepts: parse → print → parse', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (text) => {
        let first: ParsedSearch;
        try {
          first = parseSearch(text);
        } catch (error) {
          expect(error).toBeInstanceOf(SearchSyntaxError);
          return;
        }
        expect(parseSearch(printSearch(first))).toEqual(first);
      }),
      { numRuns: 3000 },
    );
  });

  it('names the token it cannot read', () => {
    expect(() => parseSearch('guestbook acter:alice')).toThrow(/at "acter:alice"/);
    expect(() => parseSearch('object:"my app')).toThrow(/quote is not closed/);
    // Found by the round-trip property: a phrase glued to a word printed back as two tokens.
    expect(() => parseSearch('" "00')).toThrow(/closing quote; put a space after it \(at "" "00"\)/);
    expect(() => parseSearch('before:yesterday')).toThrow(/at "before:yesterday"/);
    // Nothing searchable: refused like a one-letter word, not skipped (which searched for everything).
    expect(() => parseSearch('!!!')).toThrow(/at least 2 letters or digits \(at "!!!"\)/);
    expect(() => parseSearch('a')).toThrow(/at least 2 letters or digits \(at "a"\)/);
    expect(() => parseSearch('deploy ---')).toThrow(/at "---"/);
  });
});

describe('every qualifier equals its structured filter', () => {
  let org: TestOrg;
  let production: string;
  const total = async (query: string) =>
    (await json<{ totalCount: number }>(await call(`/api/v1/organizations/${org.orgId}/audit-logs?${query}`, { token: org.ownerKey }), 200))
      .totalCount;
  const q = (text: string) => `filters.q=${encodeURIComponent(text)}`;

  beforeAll(async () => {
    org = await createOrg('grammar');
    production = (await createInstance(org, 'argocd', 'production')).id;
    const staging = (await createInstance(org, 'argocd', 'staging')).id;
    const items = Array.from({ length: 60 }, (_, index) =>
      makeEvent(
        index,
        {
          instanceId: index % 3 === 0 ? production : index % 3 === 1 ? staging : null,
          action: ['sync', 'promote', 'delete', 'update'][index % 4] as string,
          actor: { type: 'user', id: `user${index % 5}@example.com` },
          object: { type: index % 2 ? 'argocd_application' : 'kargo_promotion', id: { name: `app-${index % 7}` } },
          details: { message: `deployed release ${index % 6} to cluster` },
        },
        index * 30,
      ),
    );
    await json(await call(`/api/v1/organizations/${org.orgId}/audit-logs`, { method: 'POST', token: org.ownerKey, body: { items } }), 201);
  });

  it('for random qualifiers and values, the search box and the query parameters answer alike', async () => {
    const all = await total('');
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(
          'actor',
          'action',
          'type',
          'object',
          'instance',
          'source',
          'credential',
          'after',
          'before',
          '-action',
          '-actor',
          '-credential',
        ),
        fc.nat(6),
        async (qualifier, pick) => {
          const days = (offset: number) => new Date(Date.now() - offset * 3_600_000).toISOString().slice(0, 10);
          const cases: Record<string, [string, string]> = {
            actor: [`actor:user${pick % 5}@example.com`, `filters.actorId=user${pick % 5}@example.com`],
            action: ['action:sync,promote', 'filters.action=sync&filters.action=promote'],
            type: ['type:kargo_promotion', 'filters.objectType=kargo_promotion'],
            object: [`object:app-${pick}`, `filters.objectName=app-${pick}`],
            instance: ['instance:production', `filters.instanceId=${production}`],
            source: ['source:platform', 'filters.source=platform'],
            // The ingested events' key, or the admin token that created the organization.
            credential:
              pick % 2
                ? [`credential:${org.ownerKeyId}`, `filters.credentialId=${org.ownerKeyId}`]
                : ['credential:admin', 'filters.credentialId=admin'],
            after: [`after:${days(pick * 4)}`, `filters.startTime=${days(pick * 4)}`],
            before: [`before:${days(pick * 4)}`, `filters.endTime=${days(pick * 4)}`],
          };
          if (qualifier.startsWith('-')) {
            const name = qualifier.slice(1);
            const [text, parameters] = cases[name] as [string, string];
            expect(await total(q(`-${text}`))).toBe(all - (await total(parameters)));
            return;
          }
          const [text, parameters] = cases[qualifier] as [string, string];
          expect(await total(q(text)), text).toBe(await total(parameters));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('combines qualifiers, phrases and words with the other filters by "and"', async () => {
    const combined = await total(`${q('action:sync instance:production "release 3" clus')}&filters.objectType=argocd_application`);
    const expected = await total(
      `filters.action=sync&filters.instanceId=${production}&filters.objectType=argocd_application&${q('"release 3" clus')}`,
    );
    expect(combined).toBe(expected);
    // Contradicting a parameter matches nothing rather than either.
    expect(await total(`${q('actor:user1@example.com')}&filters.actorId=user2@example.com`)).toBe(0);
    expect(await total(`${q(`credential:${org.ownerKeyId}`)}&filters.credentialId=admin`)).toBe(0);
  });

  it('finds everything one credential did, and never across the tenant boundary', async () => {
    const ingested = await total(`filters.source=ingest`);
    expect(ingested).toBeGreaterThanOrEqual(60);
    expect(await total(`filters.credentialId=${org.ownerKeyId}&filters.source=ingest`)).toBe(ingested);
    expect(await total(q(`credential:${org.ownerKeyId},admin`))).toBe(await total(''));
    // Another organization's key id (its own events exist in the same shard or not): nothing here,
    // and nothing of this organization there.
    const other = await createOrg('grammar-other');
    await json(
      await call(`/api/v1/organizations/${other.orgId}/audit-logs`, { method: 'POST', token: other.ownerKey, body: makeEvent(0) }),
      201,
    );
    expect(await total(`filters.credentialId=${other.ownerKeyId}`)).toBe(0);
    expect(await total(q(`credential:${other.ownerKeyId}`))).toBe(0);
    const theirs = await call(`/api/v1/organizations/${other.orgId}/audit-logs?filters.credentialId=${org.ownerKeyId}`, {
      token: other.ownerKey,
    });
    expect((await json<{ totalCount: number }>(theirs, 200)).totalCount).toBe(0);
    // Ids are exact: another case or a prefix is another credential.
    expect(await total(`filters.credentialId=${org.ownerKeyId.toUpperCase()}`)).toBe(0);
    expect(await total(`filters.credentialId=${org.ownerKeyId.slice(0, -1)}`)).toBe(0);
  });
});
