import { ulid } from 'ulid';
import type { AuditEventInputBody } from '../../worker/contract/index.ts';

/** What the seed POSTs: the contract's ingest shape, with the fields the demo always sets. */
export type DemoEvent = AuditEventInputBody & {
  id: string;
  instanceId: string | null;
  details: { message: string; patch?: string; actionType?: string };
};

export interface DemoInstances {
  argocd: { id: string; name: string };
  kargo: { id: string; name: string };
}

/** mulberry32: tiny deterministic PRNG, so the same anchor always yields the same events. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PEOPLE = [
  { email: 'alice@example.com', ip: '203.0.113.7' },
  { email: 'bob@example.com', ip: '203.0.113.24' },
  { email: 'carol@example.com', ip: '198.51.100.41' },
  { email: 'dave@example.com', ip: '198.51.100.77' },
  { email: 'erin@example.com', ip: '192.0.2.18' },
];
const APPS = ['guestbook', 'payments-api', 'checkout-web', 'inventory-svc', 'auth-gateway', 'search-indexer', 'notifications'];
const ARGO_PROJECTS = ['default', 'platform', 'payments'];
const CLUSTERS = ['prod-us-east-1', 'prod-eu-west-1', 'staging-us-east-1'];
const KARGO_PROJECTS = ['storefront', 'payments'];
const STAGES = ['dev', 'staging', 'prod'];

type Pick = <T>(items: readonly T[]) => T;

interface Draft {
  instance: 'argocd' | 'kargo' | null;
  action: string;
  actor: DemoEvent['actor'];
  object: DemoEvent['object'];
  details: DemoEvent['details'];
}

interface Template {
  weight: number;
  draft: () => Draft;
}

/** The random choices the templates draw from (every one from the same seeded PRNG, in call order). */
interface Draw {
  pick: Pick;
  random: () => number;
  instances: DemoInstances;
  person: () => DemoEvent['actor'];
  sha: () => string;
  version: () => string;
  app: () => DemoEvent['object'];
}

function makeDraw(pick: Pick, random: () => number, instances: DemoInstances): Draw {
  return {
    pick,
    random,
    instances,
    person: () => {
      const who = pick(PEOPLE);
      return { type: 'user', id: who.email, ip: who.ip };
    },
    sha: () =>
      Math.floor(random() * 0xfffffff)
        .toString(16)
        .padStart(7, '0'),
    version: () => `v1.${Math.floor(random() * 20)}.${Math.floor(random() * 10)}`,
    app: () => ({
      type: 'argocd_application',
      id: { name: pick(APPS), kind: 'Application', group: 'argoproj.io' },
      parentId: { name: instances.argocd.name },
    }),
  };
}

/** Every kind of demo event with its weight, in a fixed order (the weighted roll walks it). */
function makeTemplates(pick: Pick, random: () => number, instances: DemoInstances): Template[] {
  const draw = makeDraw(pick, random, instances);
  return [...argocdTemplates(draw), ...argocdSettingsTemplates(draw), ...kargoTemplates(draw), ...organizationTemplates(draw)];
}

/** Argo CD applications: syncs, updates with a patch, rollbacks. */
function argocdTemplates({ pick, random, person, sha, version, app }: Draw): Template[] {
  return [
    {
      weight: 30,
      draft: () => {
        const automated = random() < 0.6;
        return {
          instance: 'argocd',
          action: 'sync',
          actor: automated ? { type: 'service', id: 'argocd-application-controller' } : person(),
          object: app(),
          details: { message: `${automated ? 'Auto-synced' : 'Synced'} to ${sha()}`, actionType: 'sync' },
        };
      },
    },
    {
      weight: 10,
      draft: () => {
        const from = version();
        const to = version();
        return {
          instance: 'argocd',
          action: 'update',
          actor: person(),
          object: app(),
          details: {
            message: `Changed target revision from ${from} to ${to}`,
            // A merge patch with a null member, so the details view has a removal to show too.
            patch: JSON.stringify({ spec: { source: { targetRevision: to }, syncPolicy: { automated: { prune: true, selfHeal: null } } } }),
            actionType: 'update',
          },
        };
      },
    },
    {
      weight: 3,
      draft: () => ({
        instance: 'argocd',
        action: 'rollback',
        actor: person(),
        object: app(),
        details: { message: `Rolled back to ${sha()}`, actionType: 'rollback' },
      }),
    },
    {
      weight: 2,
      draft: () => ({
        instance: 'argocd',
        action: pick(['create', 'delete']),
        actor: person(),
        object: app(),
        details: { message: 'Application changed by user' },
      }),
    },
  ];
}

/** Argo CD clusters and projects. */
function argocdSettingsTemplates({ pick, person, instances }: Draw): Template[] {
  return [
    {
      weight: 4,
      draft: () => ({
        instance: 'argocd',
        action: pick(['create', 'update', 'update', 'update']),
        actor: person(),
        object: { type: 'argocd_cluster', id: { name: pick(CLUSTERS), kind: 'Cluster' }, parentId: { name: instances.argocd.name } },
        details: {
          message: 'Cluster connection settings changed',
          patch: JSON.stringify({ config: { tlsClientConfig: { insecure: false } } }),
        },
      }),
    },
    {
      weight: 3,
      draft: () => ({
        instance: 'argocd',
        action: 'update',
        actor: person(),
        object: {
          type: 'argocd_project',
          id: { name: pick(ARGO_PROJECTS), kind: 'AppProject', group: 'argoproj.io' },
          parentId: { name: instances.argocd.name },
        },
        details: {
          message: 'Updated project destinations',
          patch: JSON.stringify({ spec: { destinations: [{ server: '*', namespace: pick(APPS) }] } }),
        },
      }),
    },
  ];
}

/** Kargo promotions, freight approvals, projects and agents. */
function kargoTemplates({ pick, random, person, sha }: Draw): Template[] {
  return [
    {
      weight: 18,
      draft: () => {
        const stage = pick(STAGES);
        const project = pick(KARGO_PROJECTS);
        const freight = sha();
        return {
          instance: 'kargo',
          action: 'promote',
          actor: random() < 0.5 ? { type: 'service', id: 'kargo-controller' } : person(),
          object: {
            type: 'kargo_promotion',
            id: { name: `${stage}.${freight}`, kind: 'Promotion', group: 'kargo.akuity.io' },
            parentId: { name: stage, kargoProjectName: project },
          },
          details: { message: `Promoted freight ${freight} to ${stage}`, actionType: 'promote' },
        };
      },
    },
    {
      weight: 8,
      draft: () => {
        const stage = pick(STAGES);
        return {
          instance: 'kargo',
          action: 'approve',
          actor: person(),
          object: {
            type: 'kargo_freight',
            id: { name: sha(), kind: 'Freight', group: 'kargo.akuity.io' },
            parentId: { name: stage, kargoProjectName: pick(KARGO_PROJECTS) },
          },
          details: { message: `Approved freight for ${stage}`, actionType: 'approve' },
        };
      },
    },
    {
      weight: 2,
      draft: () => ({
        instance: 'kargo',
        action: 'update',
        actor: person(),
        object: { type: 'kargo_project', id: { name: pick(KARGO_PROJECTS), kind: 'Project', group: 'kargo.akuity.io' } },
        details: {
          message: 'Updated promotion policies',
          patch: JSON.stringify({ spec: { promotionPolicies: [{ stage: 'prod', autoPromotionEnabled: false }] } }),
        },
      }),
    },
    {
      weight: 2,
      draft: () => ({
        instance: 'kargo',
        action: pick(['create', 'update']),
        actor: person(),
        object: { type: 'kargo_agent', id: { name: pick(['agent-us-east', 'agent-eu-west']) } },
        details: { message: 'Agent configuration changed' },
      }),
    },
  ];
}

/** Membership, key and organization changes: events of no instance. */
function organizationTemplates({ pick, person }: Draw): Template[] {
  return [
    {
      weight: 3,
      draft: () => {
        const target = pick(PEOPLE.slice(1));
        const action = pick(['create', 'update', 'delete']);
        return {
          instance: null,
          action,
          actor: { type: 'user', id: 'alice@example.com', ip: '203.0.113.7' },
          object: { type: 'member', id: { name: target.email } },
          details: {
            message:
              action === 'update'
                ? `Changed ${target.email} to ${pick(['admin', 'member'])}`
                : `${action === 'create' ? 'Added' : 'Removed'} ${target.email}`,
          },
        };
      },
    },
    {
      weight: 2,
      draft: () => ({
        instance: null,
        action: pick(['create', 'delete']),
        actor: person(),
        object: { type: 'api_key', id: { name: pick(['ci-pipeline', 'siem-export', 'terraform']) } },
        details: { message: 'API key changed' },
      }),
    },
    {
      weight: 1,
      draft: () => ({
        instance: null,
        action: 'update',
        actor: { type: 'user', id: 'alice@example.com', ip: '203.0.113.7' },
        object: { type: 'organization', id: { name: 'Acme' } },
        details: { message: 'Updated organization settings' },
      }),
    },
  ];
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Makes one plausible event at a given time per call (Argo CD syncs and updates, Kargo
 * promotions, membership and key changes…), drawing every choice from `random`. Callers decide
 * the timestamps: the demo spreads them over five weeks, the browser tests place them in
 * particular weeks.
 */
function demoEventFactory(random: () => number, instances: DemoInstances): (timestamp: number) => DemoEvent {
  const pick: Pick = (items) => items[Math.floor(random() * items.length)] as (typeof items)[number];
  const templates = makeTemplates(pick, random, instances);
  const totalWeight = templates.reduce((sum, template) => sum + template.weight, 0);
  return (timestamp) => {
    let roll = random() * totalWeight;
    const template =
      templates.find((candidate) => {
        roll -= candidate.weight;
        return roll < 0;
      }) ?? templates[0];
    if (!template) throw new Error('no templates');
    const draft = template.draft();
    return {
      id: ulid(timestamp, random),
      instanceId: draft.instance ? instances[draft.instance].id : null,
      timestamp: new Date(timestamp).toISOString(),
      action: draft.action,
      actor: draft.actor,
      object: draft.object,
      details: draft.details,
    };
  };
}

/**
 * `count` events spread over the `days` before `anchor`, weighted to working hours, sorted by time.
 * Ids are ULIDs from the seeded PRNG, so a rerun with the same anchor re-sends identical events.
 */
export function demoEvents(anchor: number, instances: DemoInstances, count = 3500, days = 35): DemoEvent[] {
  const random = seededRandom(anchor % 2147483647);
  const makeEvent = demoEventFactory(random, instances);
  const events: DemoEvent[] = [];
  for (let index = 0; index < count; index += 1) {
    const day = Math.floor(random() * days);
    const hour = random() < 0.8 ? 8 + random() * 10 : random() * 24;
    const timestamp = Math.floor(anchor - (day + 1) * DAY_MS + hour * 3_600_000 + random() * 1000);
    events.push(makeEvent(Math.min(timestamp, anchor)));
  }
  return events.sort((a, b) => (a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : 0));
}
