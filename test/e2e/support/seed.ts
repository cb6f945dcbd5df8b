/**
 * What the e2e server holds before the first test: the demo organization exactly as a first
 * `npm start` leaves it (seeded, its closed weeks archived), and the fixtures of the other tests.
 */
import { ApiClient } from '../../../scripts/lib/api-client.ts';
import type { ClosedWeek } from '../../../scripts/lib/closed-weeks.ts';
import { archiveDemoWeeks } from '../../../scripts/lib/demo-archive.ts';
import { DEV_ARCHIVE_SETTLE_SECONDS } from '../../../scripts/lib/dev-server.ts';
import { DAY_MS, WEEK_MS, weekStartOf } from '../../../scripts/lib/iso-week.ts';
import { seedDemo } from '../../../scripts/lib/seed-demo.ts';
import type { CreatedOrganization } from '../../../worker/contract/index.ts';

const log = (line: string) => console.log(`[e2e] ${line}`);

export interface Seed {
  owner: { email: string; apiKey: string };
  /**
   * In the switcher's (alphabetical) order. Acme is the demo organization exactly as a first
   * `npm start` leaves it; Globex has events of the current week only; Initech has events of
   * closed weeks that arrived after the archive run.
   */
  orgs: { id: string; name: string; apiKey: string }[];
  instances: { production: string; staging: string; delivery: string; edge: string };
  memberApiKey: string;
  /** An actor with events in the last 7 days, for the filter test. */
  filterActor: { id: string };
  /** Acme's closed weeks with events (newest first), archived before the first test runs. */
  archivedWeeks: ClosedWeek[];
  /** Initech's closed weeks with events, which wait for the next archive run. */
  unarchived: { weeks: number; events: number };
}

const OWNER = { email: 'alice@example.com', name: 'Alice Anders' };

export async function seedData(baseUrl: string, adminToken: string, demoStateFile: string): Promise<Seed> {
  const admin = new ApiClient(baseUrl, adminToken);
  // Acme is what a first `npm start` makes: the demo seed, then its first archive run.
  const demo = await seedDemo(baseUrl, adminToken, log, demoStateFile);
  const archiving = archiveDemoWeeks({ baseUrl, demo, settleSeconds: DEV_ARCHIVE_SETTLE_SECONDS, stateFile: demoStateFile, log });
  // Awaited below; this only keeps an early failure from being reported as unhandled meanwhile.
  archiving.catch(() => undefined);

  // While that waits out the settle time, the fixtures of the other tests.
  const acmeId = demo.organizationId;
  const owner = new ApiClient(baseUrl, demo.ownerApiKey);
  const { instances } = await owner.get<{ instances: { id: string; name: string }[] }>(`/api/v1/organizations/${acmeId}/instances`);
  const instanceId = (name: string): string => {
    const found = instances.find((instance) => instance.name === name);
    if (!found) throw new Error(`the demo seed made no instance "${name}"`);
    return found.id;
  };
  const createInstance = async (orgId: string, type: 'argocd' | 'kargo', name: string) =>
    (await admin.post<{ id: string }>(`/api/v1/organizations/${orgId}/instances`, { type, name })).body.id;
  // A key acting for the owner but limited to the member role: its session sees the 403 page.
  const member = await owner.post<{ secret: string }>(`/api/v1/organizations/${acmeId}/api-keys`, { name: 'Member key', role: 'member' });
  // The same owner email again: one user in three organizations, so the switcher has a choice.
  // Each organization has its own owner key: a key acts in its own organization only.
  const createOrg = async (name: string) => {
    const { body } = await admin.post<CreatedOrganization>('/api/v1/organizations', { name, owner: OWNER });
    return { ...body.organization, apiKey: body.ownerApiKey };
  };
  const globex = await createOrg('Globex');
  const initech = await createOrg('Initech');
  const seededInstances = {
    production: instanceId('production'),
    staging: await createInstance(acmeId, 'argocd', 'staging'),
    delivery: instanceId('delivery'),
    edge: await createInstance(globex.id, 'argocd', 'edge'),
  };
  const now = Date.now();
  const thisWeek = weekStartOf(now);
  await admin.post(`/api/v1/organizations/${globex.id}/audit-logs`, {
    items: [
      {
        instanceId: seededInstances.edge,
        // Within the current week even just after Monday 00:00 UTC: Globex has no closed week.
        timestamp: new Date(Math.max(now - 3_600_000, thisWeek)).toISOString(),
        action: 'sync',
        actor: { type: 'service', id: 'argocd-application-controller' },
        object: { type: 'argocd_application', id: { name: 'edge-proxy', kind: 'Application' } },
        details: { message: 'Synced to 1a2b3c4' },
      },
    ],
  });

  const archivedWeeks = await archiving;
  // Sent after the archive run, like a late import: these closed weeks wait for the next run.
  const late = [thisWeek - WEEK_MS + 2 * DAY_MS, thisWeek - WEEK_MS + 4 * DAY_MS, thisWeek - 2 * WEEK_MS + 3 * DAY_MS];
  await admin.post(`/api/v1/organizations/${initech.id}/audit-logs`, {
    items: late.map((time, index) => ({
      instanceId: null,
      timestamp: new Date(time + 10 * 3_600_000).toISOString(),
      action: 'create',
      actor: { type: 'user', id: OWNER.email },
      object: { type: 'member', id: { name: `user${index}@initech.example` } },
      details: { message: `Added user${index}@initech.example` },
    })),
  });

  return {
    owner: { email: OWNER.email, apiKey: demo.ownerApiKey },
    orgs: [{ id: acmeId, name: 'Acme', apiKey: demo.ownerApiKey }, globex, initech],
    instances: seededInstances,
    memberApiKey: member.body.secret,
    filterActor: { id: 'dave@example.com' },
    archivedWeeks,
    unarchived: { weeks: 2, events: late.length },
  };
}
