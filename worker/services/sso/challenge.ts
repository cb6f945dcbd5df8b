import type { Database } from '../../db/client.ts';
import { createChallenge, takeChallenge } from '../people/index.ts';

/** How long the browser has between leaving for the provider and coming back. */
export const SSO_CHALLENGE_MS = 10 * 60 * 1000;

/**
 * One SSO sign-in's state, in the single-use ceremony store every way in shares
 * (services/people/challenges.ts): the handle goes into the browser's cookie.
 */
export function storeSsoChallenge(db: Database, organizationId: string, payload: Record<string, unknown>, now: number): Promise<string> {
  return createChallenge(db, { purpose: 'sso', organizationId, payload, ttlMs: SSO_CHALLENGE_MS }, now);
}

/**
 * Takes (deletes and returns) the SSO state a handle names, if it is still valid: single use, so a
 * replayed callback, or a second tab racing the first, finds nothing.
 */
export async function takeSsoChallenge(
  db: Database,
  handle: string,
  now: number,
): Promise<{ organizationId: string; payload: unknown } | null> {
  const taken = await takeChallenge(db, handle, 'sso', now);
  return taken?.row.organizationId ? { organizationId: taken.row.organizationId, payload: taken.payload } : null;
}
