import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ApiClient } from './api-client.ts';
import { type DemoInstances, demoEvents } from './demo-events.ts';

/** Lives beside the local D1 state, so wiping .wrangler/state also forgets the demo. */
export const DEMO_STATE_FILE = '.wrangler/state/demo-seed.json';

export interface DemoState {
  organizationId: string;
  ownerApiKey: string;
  /** Events are generated relative to this instant: a resumed seed re-sends the same events. */
  anchor: number;
  complete: boolean;
  /** When the last demo event was sent (its closed weeks can be archived once that has settled). */
  completedAt?: number;
  /** When the demo's closed weeks were first archived (npm start does it once, after seeding). */
  archivedAt?: number;
}

function readDemoState(file = DEMO_STATE_FILE): DemoState | null {
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as DemoState) : null;
}

export function writeDemoState(state: DemoState, file = DEMO_STATE_FILE): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
}

async function ensureInstance(admin: ApiClient, orgId: string, type: 'argocd' | 'kargo', name: string, createdAt: string) {
  const { instances } = await admin.get<{ instances: { id: string; name: string }[] }>(
    `/api/v1/organizations/${orgId}/instances?type=${type}`,
  );
  const existing = instances.find((instance) => instance.name === name);
  if (existing) return existing;
  return (await admin.post<{ id: string; name: string }>(`/api/v1/organizations/${orgId}/instances`, { type, name, createdAt })).body;
}

const HOUR_MS = 60 * 60 * 1000;
/** The demo's history spans the 35 days before its anchor; Acme, its instances and its people come first. */
const FOUNDED_BEFORE_ANCHOR_MS = 37 * 24 * HOUR_MS;

/**
 * Everyone who acts in the demo history is a member from before their first action (dated through
 * the admin token's import createdAt, docs/API.md "Importing history"); Audra, the auditor, joined
 * two weeks ago for a compliance review and has not acted yet.
 */
const DEMO_MEMBERS = [
  { email: 'bob@example.com', name: 'Bob Baker', role: 'admin', joinedAfterFoundingMs: 2 * HOUR_MS },
  { email: 'carol@example.com', name: 'Carol Chen', role: 'member', joinedAfterFoundingMs: 3 * HOUR_MS },
  { email: 'dave@example.com', name: 'Dave Dietrich', role: 'member', joinedAfterFoundingMs: 4 * HOUR_MS },
  { email: 'erin@example.com', name: 'Erin Evans', role: 'member', joinedAfterFoundingMs: 5 * HOUR_MS },
  { email: 'audra@example.com', name: 'Audra Auditor', role: 'auditor', joinedAfterFoundingMs: 23 * 24 * HOUR_MS },
] as const;

/**
 * Seeds the demo organization "Acme" through the public API, once. Management changes go through the
 * management routes (so they are recorded as audit events), history through the ingest route.
 */
export async function seedDemo(
  baseUrl: string,
  adminToken: string,
  log: (line: string) => void,
  stateFile = DEMO_STATE_FILE,
): Promise<DemoState> {
  const admin = new ApiClient(baseUrl, adminToken);
  let state = readDemoState(stateFile);
  if (state?.complete) {
    const check = await fetch(`${baseUrl}/api/v1/me`, { headers: { authorization: `Bearer ${state.ownerApiKey}` } });
    if (check.ok) {
      log('Demo data already present (Acme); not seeding again.');
      return state;
    }
    log('Saved demo key no longer works (was the local database reset?); seeding again.');
    state = null;
  }
  if (!state) {
    const anchor = Date.now();
    const created = (
      await admin.post<{ organization: { id: string }; ownerApiKey: string }>('/api/v1/organizations', {
        name: 'Acme',
        owner: { email: 'alice@example.com', name: 'Alice Anders' },
        createdAt: new Date(anchor - FOUNDED_BEFORE_ANCHOR_MS).toISOString(),
      })
    ).body;
    state = { organizationId: created.organization.id, ownerApiKey: created.ownerApiKey, anchor, complete: false };
    writeDemoState(state, stateFile);
    log(`Created organization Acme (${state.organizationId}).`);
  }
  const orgId = state.organizationId;
  const founded = state.anchor - FOUNDED_BEFORE_ANCHOR_MS;
  const instances: DemoInstances = {
    argocd: await ensureInstance(admin, orgId, 'argocd', 'production', new Date(founded + HOUR_MS).toISOString()),
    kargo: await ensureInstance(admin, orgId, 'kargo', 'delivery', new Date(founded + HOUR_MS + 60_000).toISOString()),
  };
  for (const { joinedAfterFoundingMs, ...member } of DEMO_MEMBERS) {
    const createdAt = new Date(founded + joinedAfterFoundingMs).toISOString();
    await admin.post(`/api/v1/organizations/${orgId}/members`, { ...member, createdAt }, [201, 409]);
  }
  const events = demoEvents(state.anchor, instances);
  let accepted = 0;
  for (let start = 0; start < events.length; start += 500) {
    // The admin token may backfill events older than MAX_EVENT_AGE_DAYS (five weeks of history).
    const result = await admin.post<{ accepted: number }>(`/api/v1/organizations/${orgId}/audit-logs`, {
      items: events.slice(start, start + 500),
    });
    accepted += result.body.accepted;
  }
  log(`Ingested ${accepted} demo events (${events.length - accepted} already present) over the last five weeks.`);
  state = { ...state, complete: true, completedAt: Date.now() };
  writeDemoState(state, stateFile);
  return state;
}
