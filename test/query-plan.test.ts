import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { GROUP_TEXT_FIELD_NAMES, type GroupTextField, OBJECT_GROUPS } from '../worker/contract/object-groups.ts';
import { database } from '../worker/db/client.ts';
import { NO_RESOLVED_FILTERS, type ObjectGroupFilter, type ResolvedFilters } from '../worker/events/filters.ts';
import { dayPageQuery } from '../worker/services/archive/archive-rows.ts';
import { countQuery, pageQuery } from '../worker/services/query/audit-logs.ts';
import { histogramQuery } from '../worker/services/query/histogram.ts';
import { streamQuery } from '../worker/services/query/stream.ts';

const NONE: ResolvedFilters = NO_RESOLVED_FILTERS;

/** Each audit-log filter as a partial filter set; every subset of them is checked. */
const FILTERS: Record<string, Partial<ResolvedFilters>> = {
  actorId: { actorIds: ['alice@example.com'] },
  actorType: { actorTypes: ['user'] },
  action: { actions: ['update'] },
  objectType: { objectTypes: ['argocd_application'] },
  objectName: { objectNames: ['guestbook'] },
  instanceId: { instanceId: 'inst_x' },
  timeRange: { startTime: 1_700_000_000_000, endTime: 1_800_000_000_000 },
  source: { sources: ['platform'] },
  q: { text: { words: ['guestbook', 'sync'], phrases: ['synced to'] } },
};
const MULTI: Record<string, Partial<ResolvedFilters>> = {
  actorIds: { actorIds: ['a', 'b'] },
  actions: { actions: ['create', 'delete', 'update'] },
  actorTypesAndObjectTypes: { actorTypes: ['user', 'service'], objectTypes: ['member', 'api_key'] },
  // More values than D1 binds parameters: they travel as one JSON parameter.
  manyActorIds: { actorIds: Array.from({ length: 150 }, (_, index) => `actor-${index}`) },
  sources: { sources: ['platform', 'ingest'] },
  // The search box's qualifiers that have no query parameter of their own.
  // Instance names arrive resolved to the ids they name (the main database holds instances).
  excluded: { exclude: { ...NO_RESOLVED_FILTERS.exclude, actions: ['delete'], instanceIds: ['inst_staging'] } },
  instanceName: { instanceIds: ['inst_production_argo', 'inst_production_kargo'] },
  instanceNameAndActor: { instanceIds: ['inst_production_argo'], actorIds: ['alice'] },
  // Everything one credential did (filters.credentialId, credential:), alone and with the others.
  credentialId: { credentialIds: ['key_x'] },
  credentialIds: { credentialIds: Array.from({ length: 150 }, (_, index) => `ses_${index}`) },
  credentialAndOthers: {
    credentialIds: ['key_x'],
    actorIds: ['alice'],
    actions: ['export'],
    sources: ['platform'],
    startTime: 1_700_000_000_000,
    endTime: 1_800_000_000_000,
  },
  credentialAndText: { credentialIds: ['key_x'], text: { words: ['guestbook'], phrases: [] } },
  excludedCredential: { exclude: { ...NO_RESOLVED_FILTERS.exclude, credentialIds: ['key_x'] } },
  // The search box's ip: (test/search-ip.test.ts checks which index each form uses).
  ip: { ips: ['198.51.100.77'] },
  ipPrefixes: { ips: ['198.51.100.0/24', '2001:db8::/32'], actions: ['sync'] },
  ipPrefixAndText: { ips: ['198.51.100.0/24'], text: { words: ['guestbook'], phrases: [] } },
  excludedIp: { exclude: { ...NO_RESOLVED_FILTERS.exclude, ips: ['10.0.0.0/8'] } },
};

function subsets<T>(items: T[]): T[][] {
  const all: T[][] = [[]];
  for (const item of items) for (const subset of all.splice(0)) all.push(subset, [...subset, item]);
  return all;
}

async function plan(query: { toSQL(): { sql: string; params: unknown[] } }): Promise<string[]> {
  const { sql, params } = query.toSQL();
  const result = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`)
    .bind(...params)
    .all<{ detail: string }>();
  return result.results.map((row) => row.detail);
}

/** A plan step that reads audit_events without an index search (the FTS virtual table is fine). */
const fullScan = (step: string) => /\bSCAN audit_events\b/.test(step);

describe('query plans', () => {
  const db = database(env.DB);
  const combinations = [
    ...subsets(Object.keys(FILTERS)).map((names) => ({
      name: names.join('+') || 'none',
      filters: Object.assign({}, NONE, ...names.map((name) => FILTERS[name])) as ResolvedFilters,
    })),
    ...Object.entries(MULTI).map(([name, filter]) => ({ name, filters: { ...NONE, ...filter } })),
  ];

  // A month of day buckets: the histogram's one grouped query over the same conditions.
  const DAY = 24 * 60 * 60 * 1000;
  const monthOfDays = Array.from({ length: 32 }, (_, index) => 1_750_000_000_000 + index * DAY);

  it(`never scans audit_events in full, for all ${combinations.length} filter combinations × (offset, cursor, count, histogram)`, async () => {
    const offenders: string[] = [];
    let checked = 0;
    for (const { name, filters } of combinations) {
      const queries: Record<string, { toSQL(): { sql: string; params: unknown[] } }> = {
        offset: pageQuery(db, 'org_x', filters, { limit: 50, offset: 100, cursor: null }),
        cursor: pageQuery(db, 'org_x', filters, { limit: 50, offset: 0, cursor: { timestamp: 1_750_000_000_000, position: 4711 } }),
        count: countQuery(db, 'org_x', filters),
        histogram: histogramQuery(db, 'org_x', filters, monthOfDays),
      };
      if (filters.text !== null) {
        // The plan used when the words are rare: from the FTS matches to the rows, by rowid.
        queries.ftsFirstPage = pageQuery(db, 'org_x', filters, { limit: 50, offset: 0, cursor: null }, { ftsFirst: true });
        queries.ftsFirstCount = countQuery(db, 'org_x', filters, { ftsFirst: true });
        queries.ftsFirstHistogram = histogramQuery(db, 'org_x', filters, monthOfDays, { ftsFirst: true });
      }
      for (const [kind, query] of Object.entries(queries)) {
        const steps = await plan(query);
        checked += 1;
        expect(steps.length).toBeGreaterThan(0);
        if (steps.some(fullScan)) offenders.push(`${name} (${kind}): ${steps.join(' | ')}`);
      }
    }
    const withText = combinations.filter((combination) => combination.filters.text !== null).length;
    expect(checked).toBe(combinations.length * 4 + withText * 3);
    expect(offenders).toEqual([]);
    // About 2,400 plans: ~28 s on a loaded 2-core machine, close to the default 30 s.
  }, 120_000);

  it('serves the unfiltered newest-first page from the index order, with no sort step', async () => {
    const steps = await plan(pageQuery(db, 'org_x', NONE, { limit: 50, offset: 0, cursor: null }));
    expect(steps.join(' | ')).toMatch(/SEARCH audit_events USING (COVERING )?INDEX audit_events_time \(org_key=\?\)/);
    expect(steps.join(' | ')).not.toMatch(/TEMP B-TREE/);
  });

  it('counts histogram buckets along the time index in one pass, without a sort of the rows', async () => {
    const steps = (await plan(histogramQuery(db, 'org_x', NONE, monthOfDays))).join(' | ');
    expect(steps).toMatch(/SEARCH audit_events USING COVERING INDEX audit_events_time \(org_key=\? AND timestamp>\? AND timestamp<\?\)/);
    // Grouping by bucket needs a b-tree of at most 32 keys, never one of the rows.
    expect(steps).not.toMatch(/ORDER BY/);
  });

  it('serves case-insensitive actor, action and object type filters, one value or many (one JSON parameter), as ranges of their NOCASE indexes', async () => {
    const cases = [
      { filters: { ...NONE, actorIds: ['Carol@Example.com'] }, index: /INDEX audit_events_actor_time \(org_key=\? AND actor_id=\?\)/ },
      { filters: { ...NONE, actorIds: ['a', 'B', 'c'] }, index: /INDEX audit_events_actor_time \(org_key=\? AND actor_id=\?\)/ },
      {
        filters: { ...NONE, actorIds: Array.from({ length: 150 }, (_, index) => `Actor-${index}`) },
        index: /INDEX audit_events_actor_time \(org_key=\? AND actor_id=\?\)/,
      },
      { filters: { ...NONE, actions: ['Sync'] }, index: /INDEX audit_events_action_time \(org_key=\? AND action=\?\)/ },
      { filters: { ...NONE, actions: ['create', 'DELETE'] }, index: /INDEX audit_events_action_time \(org_key=\? AND action=\?\)/ },
      {
        filters: { ...NONE, objectTypes: ['Kargo_Promotion'] },
        index: /INDEX audit_events_object_type_time \(org_key=\? AND object_type=\?\)/,
      },
      {
        filters: { ...NONE, objectTypes: ['member', 'API_KEY', 'kargo_stage'] },
        index: /INDEX audit_events_object_type_time \(org_key=\? AND object_type=\?\)/,
      },
    ];
    for (const { filters, index } of cases) {
      // Page and histogram may prefer the time index (newest first, no sort); the count has no
      // order to keep, so it shows which index the comparison itself can use.
      const counted = (await plan(countQuery(db, 'org_x', filters))).join(' | ');
      expect(counted, JSON.stringify(filters)).toMatch(index);
      // With the time index out of the way (INDEXED BY), the page still finds a range, not a scan.
      const { sql: pageSql, params } = pageQuery(db, 'org_x', filters, { limit: 50, offset: 0, cursor: null }).toSQL();
      const name =
        filters.actorIds.length > 0
          ? 'audit_events_actor_time'
          : filters.actions.length > 0
            ? 'audit_events_action_time'
            : 'audit_events_object_type_time';
      const forced = await env.DB.prepare(
        `EXPLAIN QUERY PLAN ${pageSql.replace('from "audit_events"', `from "audit_events" INDEXED BY ${name}`)}`,
      )
        .bind(...params)
        .all<{ detail: string }>();
      expect(forced.results.map((row) => row.detail).join(' | ')).toMatch(index);
    }
    // The check can fail: an exact (binary) comparison is not a range of a NOCASE index.
    const exact = await env.DB.prepare('EXPLAIN QUERY PLAN SELECT count(*) FROM audit_events WHERE org_key = ? AND actor_id = ?')
      .bind(1, 'x')
      .all<{ detail: string }>();
    expect(exact.results.map((row) => row.detail).join(' | ')).not.toMatch(/actor_id=\?/);
    const exactType = await env.DB.prepare('EXPLAIN QUERY PLAN SELECT count(*) FROM audit_events WHERE org_key = ? AND object_type = ?')
      .bind(1, 'x')
      .all<{ detail: string }>();
    expect(exactType.results.map((row) => row.detail).join(' | ')).not.toMatch(/object_type=\?/);
  });

  it('serves the incremental stream from the (organization, sequence) index, in its order', async () => {
    const steps = (await plan(streamQuery(db, 'org_x', 4711, 100))).join(' | ');
    expect(steps).toMatch(/SEARCH audit_events USING INDEX audit_events_sequence \(org_key=\? AND sequence>\?\)/);
    expect(steps).not.toMatch(/TEMP B-TREE/);
  });

  it('serves every field of every Akuity object group, children and several groups from their own index ranges', async () => {
    const fields = (field: GroupTextField | null, values: string[] = ['x']): ObjectGroupFilter['fields'] =>
      Object.fromEntries(GROUP_TEXT_FIELD_NAMES.map((name) => [name, name === field ? values : []])) as ObjectGroupFilter['fields'];
    const cases: { name: string; groups: ObjectGroupFilter[] }[] = [];
    for (const [group, objectType] of Object.entries(OBJECT_GROUPS)) {
      cases.push({ name: `${group}.enabled`, groups: [{ objectType, fields: fields(null), includeChildObjects: false }] });
      for (const field of GROUP_TEXT_FIELD_NAMES) {
        cases.push({ name: `${group}.${field}`, groups: [{ objectType, fields: fields(field, ['a', 'b']), includeChildObjects: false }] });
      }
      cases.push({ name: `${group}.children`, groups: [{ objectType, fields: fields('objectName'), includeChildObjects: true }] });
    }
    cases.push({
      name: 'three groups',
      groups: [
        { objectType: 'argocd_application', fields: fields('objectName'), includeChildObjects: true },
        { objectType: 'kargo_promotion', fields: fields('objectParentKargoProjectName'), includeChildObjects: false },
        { objectType: 'member', fields: fields(null), includeChildObjects: false },
      ],
    });
    // A walk over the whole organization's range: index-served in name only.
    const wholeOrganization = (step: string) => /USING (COVERING )?INDEX audit_events_(time|sequence|id) \(org_key=\?\)/.test(step);
    const offenders: string[] = [];
    for (const { name, groups } of cases) {
      for (const extra of [{}, { actorIds: ['alice'] }, { startTime: 1, endTime: 2 }]) {
        const filters: ResolvedFilters = { ...NONE, ...extra, objectGroups: groups };
        for (const query of [pageQuery(db, 'org_x', filters, { limit: 50, offset: 0, cursor: null }), countQuery(db, 'org_x', filters)]) {
          const steps = await plan(query);
          if (steps.some((step) => fullScan(step) || wholeOrganization(step)))
            offenders.push(`${name} ${JSON.stringify(extra)}: ${steps.join(' | ')}`);
        }
      }
    }
    expect(cases.length).toBe(20 * 10 + 1);
    expect(offenders).toEqual([]);
  });

  it('reads an archive day page along the time index, sorting only events of equal timestamp by id', async () => {
    const day = { startMs: 1_750_000_000_000, endMs: 1_750_086_400_000 };
    for (const after of [null, { timestamp: 1_750_000_500_000, id: 'Z' }]) {
      const steps = (await plan(dayPageQuery(db, 'org_x', day, day.endMs, 1000, after))).join(' | ');
      expect(steps).toMatch(/SEARCH audit_events USING INDEX audit_events_time \(org_key=\? AND timestamp>\? AND timestamp<\?\)/);
      expect(steps).toMatch(/USE TEMP B-TREE FOR (RIGHT PART|LAST TERM) OF ORDER BY/);
    }
  });

  it('serves "only the service\'s own events" from the partial index of platform events', async () => {
    const steps = (await plan(pageQuery(db, 'org_x', { ...NONE, sources: ['platform'] }, { limit: 50, offset: 0, cursor: null }))).join(
      ' | ',
    );
    expect(steps).toMatch(/INDEX audit_events_platform_time/);
  });

  it('serves "everything this credential did" from the partial credential index, one id or many', async () => {
    for (const credentialIds of [['key_x'], ['ses_a', 'ses_b', 'admin']]) {
      const counted = (await plan(countQuery(db, 'org_x', { ...NONE, credentialIds }))).join(' | ');
      expect(counted, credentialIds.join()).toMatch(/INDEX audit_events_credential_time \(org_key=\? AND credential_id=\?\)/);
    }
  });

  it('detects a full scan when there is one (the check can fail)', async () => {
    const result = await env.DB.prepare('EXPLAIN QUERY PLAN SELECT * FROM audit_events WHERE details_message = ?')
      .bind('x')
      .all<{ detail: string }>();
    expect(result.results.map((row) => row.detail).some(fullScan)).toBe(true);
  });
});
