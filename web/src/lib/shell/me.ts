import { api, type Fetch } from './api.ts';
import type { Me, MeResponse, Organization } from './api-types.ts';

/**
 * One `/me` per navigation. "/" and the organization layout both need it, and signing in lands on
 * "/" which redirects into an organization: without sharing, that first view asked twice. The
 * answer is forgotten when a navigation ends (`forgetMe` in the root layout) and never reused
 * after a few seconds (a hover preload that was not followed), so a role change shows up on the
 * next page.
 */
const REUSE_MS = 5_000;
let shared: { at: number; me: Promise<MeResponse> } | null = null;

function withUser(me: Me): MeResponse {
  // Only the platform admin token has no user, and it cannot make a dashboard session.
  if (me.user === null) throw new Error('The dashboard needs a signed-in user.');
  return { ...me, user: me.user };
}

async function fetchMe(fetchFn: Fetch): Promise<MeResponse> {
  return withUser(await api<Me>(fetchFn, '/me'));
}

/** The signed-in user and their organizations; rejects with a 401 ApiProblem when signed out. */
export function getMe(fetchFn: Fetch): Promise<MeResponse> {
  if (shared && Date.now() - shared.at < REUSE_MS) return shared.me;
  const me = fetchMe(fetchFn);
  shared = { at: Date.now(), me };
  // A failure is never shared: the next caller asks again.
  me.catch(() => {
    if (shared?.me === me) shared = null;
  });
  return me;
}

/**
 * Signing in with a key answers what `/me` would (the same `Me`, from the same query): the first
 * view after it uses that answer instead of asking again (the Audit Logs first view stays at five
 * requests with its "Verified through" line; docs/DASHBOARD.md, "Requests").
 */
export function rememberMe(me: Me): void {
  shared = me.user === null ? null : { at: Date.now(), me: Promise.resolve(withUser(me)) };
}

/** Called when a navigation has ended, and on sign-out (the session changed). */
export function forgetMe(): void {
  shared = null;
}

export function findOrganization(me: MeResponse, orgId: string): Organization | undefined {
  return me.organizations.find((org) => org.id === orgId);
}
