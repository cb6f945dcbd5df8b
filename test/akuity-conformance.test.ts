import { beforeAll, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../worker/contract/index.ts';
import { call, createKey, createOrg, expectProblem, json, type TestOrg } from './helpers/api.ts';
import { type EventInput, makeEvent } from './helpers/events.ts';

/**
 * Requests built exactly the way Akuity's Go client (api-client-go, organization.gw.client.go)
 * builds them: `filters.<jsonName>` and `filters.<group>.<field>` dotted keys, one repeated key per
 * value, booleans as "true"/"false", HTTP Basic with the key id and secret; and the same in the
 * protobuf spelling Akuity's gateway also accepts. Every answer is compared with a brute-force
 * evaluation of the filter rules over the same fixture events, written here independently of the
 * service's own code.
 */

// The 20 groups of Akuity's AuditFilters and the object type each selects (its snake_case singular).
const GROUPS: Record<string, string> = {
  k8sResource: 'k8s_resource',
  argocdApplication: 'argocd_application',
  argocdCluster: 'argocd_cluster',
  argocdInstance: 'argocd_instance',
  argocdProject: 'argocd_project',
  member: 'member',
  organizationInvite: 'organization_invite',
  kargoInstance: 'kargo_instance',
  kargoAgent: 'kargo_agent',
  kargoPromotion: 'kargo_promotion',
  kargoFreight: 'kargo_freight',
  customRoles: 'custom_role',
  notificationCfg: 'notification_config',
  apiKeys: 'api_key',
  addons: 'addon',
  addonRepos: 'addon_repo',
  addonMarketplaceInstall: 'addon_marketplace_install',
  workspace: 'workspace',
  workspaceMember: 'workspace_member',
  organization: 'organization',
};
const TYPES = Object.values(GROUPS);

type Field =
  | 'objectName'
  | 'objectKind'
  | 'objectGroup'
  | 'objectNamespace'
  | 'objectParentName'
  | 'objectParentParentName'
  | 'objectParentApplicationName'
  | 'objectParentKargoProjectName';
const FIELDS: Record<Field, (event: AuditEvent) => string> = {
  objectName: (event) => event.object.id.name,
  objectKind: (event) => event.object.id.kind,
  objectGroup: (event) => event.object.id.group,
  objectNamespace: (event) => event.object.id.namespace ?? '',
  objectParentName: (event) => event.object.parentId.name,
  objectParentParentName: (event) => event.object.parentId.parentName,
  objectParentApplicationName: (event) => event.object.parentId.applicationName,
  objectParentKargoProjectName: (event) => event.object.parentId.kargoProjectName ?? '',
};

const snake = (name: string) => name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);

interface GroupQuery {
  group: string;
  fields: Partial<Record<Field, string[]>>;
  enabled?: boolean;
  includeChildObjects?: boolean;
}

interface Query {
  actorId?: string[];
  action?: string[];
  actorType?: string[];
  startTime?: string;
  endTime?: string;
  groups: GroupQuery[];
}

/** The query string as Akuity's client writes it (camelCase) or in protobuf names (snake_case). */
function queryString(query: Query, spelling: 'json' | 'proto'): string {
  const name = (path: string[]) => ['filters', ...path.map((part) => (spelling === 'proto' ? snake(part) : part))].join('.');
  const params = new URLSearchParams();
  for (const key of ['actorId', 'action', 'actorType'] as const) for (const value of query[key] ?? []) params.append(name([key]), value);
  if (query.startTime) params.append(name(['startTime']), query.startTime);
  if (query.endTime) params.append(name(['endTime']), query.endTime);
  for (const group of query.groups) {
    for (const [field, values] of Object.entries(group.fields))
      for (const value of values) params.append(name([group.group, field]), value);
    if (group.enabled !== undefined) params.append(name([group.group, 'enabled']), String(group.enabled));
    if (group.includeChildObjects !== undefined)
      params.append(name([group.group, 'includeChildObjects']), String(group.includeChildObjects));
  }
  params.append(name(['limit']), '1000');
  return params.toString();
}

const asciiLower = (value: string) => value.replace(/[A-Z]/g, (letter) => letter.toLowerCase());

/** The filter rules, evaluated by brute force over one event. */
function matches(event: AuditEvent, query: Query): boolean {
  const at = Date.parse(event.timestamp);
  const day = (value: string) => Date.parse(value.length === 10 ? `${value}T00:00:00Z` : value);
  // Actor and action: equal but for ASCII case (a documented superset of Akuity's exact match).
  const caseless = (values: string[], value: string) => values.some((candidate) => asciiLower(candidate) === asciiLower(value));
  if (query.actorId && !caseless(query.actorId, event.actor.id)) return false;
  if (query.action && !caseless(query.action, event.action)) return false;
  if (query.actorType && !query.actorType.includes(event.actor.type)) return false;
  if (query.startTime && at < day(query.startTime)) return false;
  if (query.endTime && at >= day(query.endTime)) return false;
  const active = query.groups.filter(
    (group) => group.enabled !== false && (group.enabled === true || Object.values(group.fields).some((values) => values.length > 0)),
  );
  if (active.length === 0) return true;
  return active.some((group) => {
    const own =
      event.object.type === GROUPS[group.group] &&
      Object.entries(group.fields).every(([field, values]) => values.length === 0 || values.includes(FIELDS[field as Field](event)));
    const names = group.fields.objectName ?? [];
    const child =
      group.includeChildObjects === true &&
      [event.object.parentId.name, event.object.parentId.parentName, event.object.parentId.applicationName].some((name) =>
        names.includes(name),
      );
    return own || child;
  });
}

/** Four events of each type, whose names, kinds, namespaces, parents and projects overlap across types. */
function fixture(): EventInput[] {
  return TYPES.flatMap((type, typeIndex) =>
    [0, 1, 2, 3].map((index) => {
      const other = (offset: number) => `${TYPES[(typeIndex + offset) % TYPES.length]}-a`;
      const namespace = index === 3 ? undefined : `ns-${index % 2}`;
      return makeEvent(typeIndex * 4 + index, {
        id: `${type}-${index}`,
        // Some actors and actions are stored in other cases.
        action: ['create', 'Update', 'delete', 'SYNC'][index] as string,
        actor: { type: index % 2 ? 'user' : 'service', id: `${index === 1 ? 'Actor' : 'actor'}-${(typeIndex + index) % 3}@example.com` },
        object: {
          type,
          id: {
            name: `${type}-${index % 2 ? 'a' : 'b'}`,
            kind: index % 2 ? 'KindA' : 'KindB',
            group: index % 3 ? 'g1' : 'g2',
            ...(namespace ? { namespace } : {}),
          },
          parentId: {
            name: index === 0 ? other(1) : 'parent-1',
            parentName: index === 1 ? other(2) : 'grandparent-1',
            applicationName: index === 2 ? other(3) : '',
            ...(index === 3 ? {} : { kargoProjectName: index % 2 ? 'proj-1' : 'proj-2' }),
          },
        },
        details: { message: `${type} ${index}` },
      });
    }),
  );
}

let org: TestOrg;
let basic: string;
let all: AuditEvent[] = [];

beforeAll(async () => {
  org = await createOrg('akuity');
  const key = await createKey(org, 'owner');
  basic = `Basic ${btoa(`${key.id}:${key.secret}`)}`;
  await json(
    await call(`/api/v1/organizations/${org.orgId}/audit-logs`, { method: 'POST', token: org.ownerKey, body: { items: fixture() } }),
    201,
  );
  // Only the fixture: the organization's own platform events are left out of the comparison.
  all = (await list('filters.limit=1000')).filter((event) => event.source === 'ingest');
  expect(all).toHaveLength(80);
});

async function list(query: string): Promise<AuditEvent[]> {
  const page = await json<{ items: AuditEvent[]; totalCount: number }>(
    await call(`/api/v1/organizations/${org.orgId}/audit-logs?${query}&filters.source=ingest`, { headers: { authorization: basic } }),
    200,
  );
  expect(page.items).toHaveLength(page.totalCount);
  return page.items;
}

async function expectSameAsBruteForce(query: Query): Promise<void> {
  const expected = all
    .filter((event) => matches(event, query))
    .map((event) => event.id)
    .sort();
  for (const spelling of ['json', 'proto'] as const) {
    const answered = (await list(queryString(query, spelling))).map((event) => event.id).sort();
    expect(answered, `${spelling}: ${queryString(query, spelling)}`).toEqual(expected);
  }
}

describe("Akuity's client, unchanged", () => {
  it('gets exactly the brute-force answer for every field of all 20 object groups, in both spellings', async () => {
    let queries = 0;
    for (const [group, type] of Object.entries(GROUPS)) {
      const sample = all.filter((event) => event.object.type === type);
      for (const field of Object.keys(FIELDS) as Field[]) {
        const values = [...new Set(sample.map(FIELDS[field]).filter(Boolean))].slice(0, 2);
        await expectSameAsBruteForce({ groups: [{ group, fields: { [field]: values } }] });
        queries += 1;
      }
      await expectSameAsBruteForce({ groups: [{ group, fields: {}, enabled: true }] });
      await expectSameAsBruteForce({ groups: [{ group, fields: { objectName: [`${type}-a`] }, includeChildObjects: true }] });
      await expectSameAsBruteForce({ groups: [{ group, fields: { objectKind: ['KindA'] }, enabled: false }] });
      queries += 3;
    }
    expect(queries).toBe(20 * 11);
  });

  it('combines fields by "all", groups by "any", and groups with actor, action and time (RFC 3339 or YYYY-MM-DD) by "and"', async () => {
    const days = all.map((event) => event.timestamp.slice(0, 10)).sort();
    await expectSameAsBruteForce({
      actorId: ['actor-0@example.com', 'actor-1@example.com'],
      action: ['create', 'update', 'sync'],
      startTime: days[0],
      endTime: new Date(Date.now() + 60_000).toISOString(),
      groups: [
        { group: 'argocdApplication', fields: { objectKind: ['KindA'], objectGroup: ['g1'] } },
        { group: 'kargoPromotion', fields: { objectParentKargoProjectName: ['proj-1', 'proj-2'] }, includeChildObjects: true },
        { group: 'member', fields: {}, enabled: true },
        { group: 'apiKeys', fields: { objectName: ['api_key-a'] }, enabled: false },
      ],
    });
    await expectSameAsBruteForce({ actorType: ['user'], groups: [{ group: 'k8sResource', fields: { objectNamespace: ['ns-1'] } }] });
  });

  it('answers many groups with every field exactly, and more than one query can hold with a 400 naming the limit', async () => {
    // Every field of a group, two values each, with its children: each value list is one bound
    // value, but D1 takes at most 100 per statement, so a request has a budget (MAX_FILTER_VALUES).
    const groupsWithEveryField = (count: number): Query['groups'] =>
      Object.entries(GROUPS)
        .slice(0, count)
        .map(([group, type]) => ({
          group,
          fields: Object.fromEntries((Object.keys(FIELDS) as Field[]).map((field) => [field, [`${type}-a`, 'KindA']])),
          includeChildObjects: true,
        }));
    const actors = { actorId: ['actor-0@example.com', 'ACTOR-1@example.com'], action: ['create', 'update', 'Sync'] };
    await expectSameAsBruteForce({ ...actors, groups: groupsWithEveryField(4) });

    const withText: Query = { ...actors, groups: groupsWithEveryField(2) };
    // The searchable fields (events/event-shape.ts searchableFields), cut into words at punctuation.
    const words = (event: AuditEvent) =>
      [event.details.message, event.action, event.actor.id, event.object.type, event.object.id.name, event.object.id.namespace]
        .concat(Object.values(event.object.parentId))
        .flatMap((field) =>
          String(field ?? '')
            .toLowerCase()
            .split(/[^a-z0-9]+/),
        );
    const candidates = all.filter((event) => matches(event, withText));
    // Free text: the first word of one matching event's message, as a prefix of any searchable word.
    const word = String(candidates[0]?.details.message)
      .toLowerCase()
      .split(/[^a-z0-9]+/)[0] as string;
    const found = await list(`${queryString(withText, 'json')}&filters.q=${encodeURIComponent(word)}`);
    const expected = candidates
      .filter((event) => words(event).some((part) => part.startsWith(word)))
      .map((event) => event.id)
      .sort();
    expect(expected.length).toBeGreaterThan(0);
    expect(found.map((event) => event.id).sort()).toEqual(expected);

    // All 20 groups with every field: a clear 400, never the database's error (it was a 500).
    const everything = queryString({ ...actors, groups: groupsWithEveryField(20) }, 'json');
    for (const path of ['audit-logs', 'csv-audit-logs']) {
      const response = await call(`/api/v1/organizations/${org.orgId}/${path}?${everything}`, { headers: { authorization: basic } });
      const problem = await expectProblem(response, 400);
      expect(problem.type).toBe('urn:problem:audit-logs:invalid-parameters');
      expect(problem.detail).toMatch(/at most 90 fit/);
    }
  });

  it('matches actor and action regardless of case, one value or several, with object groups', async () => {
    await expectSameAsBruteForce({ actorId: ['ACTOR-2@EXAMPLE.COM'], groups: [] });
    await expectSameAsBruteForce({ action: ['sync'], groups: [] });
    await expectSameAsBruteForce({
      actorId: ['actor-0@example.com', 'ACTOR-1@example.com'],
      action: ['UPDATE', 'Sync', 'create'],
      groups: [
        { group: 'argocdApplication', fields: { objectKind: ['KindA'] } },
        { group: 'member', fields: {}, enabled: true },
      ],
    });
    // The rule is not vacuous: these pick events stored in another case than asked for.
    const differ = all.filter((event) => matches(event, { actorId: ['ACTOR-2@EXAMPLE.COM'], groups: [] }));
    expect(differ.length).toBeGreaterThan(0);
    expect(differ.some((event) => event.actor.id === 'Actor-2@example.com')).toBe(true);
    expect(all.filter((event) => event.action === 'SYNC')).toHaveLength(20);
  });
});
