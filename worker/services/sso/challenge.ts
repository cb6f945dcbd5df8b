import { and, eq, gt, lt } from 'drizzle-orm';
import { randomToken, sha256Hex } from '../../auth/secrets.ts';
import type { Database } from '../../db/client.ts';
import { signInChallenges } from '../../db/schema.ts';

/** How long the browser has between leaving for the provider and coming back. */
export const SSO_CHALLENGE_MS = 10 * 60 * 1000;

/** Stores one SSO sign-in's state under the hash of a new random handle; the handle goes into the browser's cookie. */
export async function storeSsoChallenge(db: Database, organizationId: string, payload: unknown, now: number): Promise<string> {
  const handle = randomToken(32);
  await db.batch([
    // Expired ceremonies of any kind are dropped on the way (no job needed for a table this small).
    db.delete(signInChallenges).where(lt(signInChallenges.expiresAt, now)),
    db.insert(signInChallenges).values({
      handleHash: await sha256Hex(handle),
      purpose: 'sso',
      organizationId,
      payload: JSON.stringify(payload),
      createdAt: now,
      expiresAt: now + SSO_CHALLENGE_MS,
    }),
  ]);
  return handle;
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
  const [taken] = await db
    .delete(signInChallenges)
    .where(
      and(
        eq(signInChallenges.handleHash, await sha256Hex(handle)),
        eq(signInChallenges.purpose, 'sso'),
        gt(signInChallenges.expiresAt, now),
      ),
    )
    .returning({ organizationId: signInChallenges.organizationId, payload: signInChallenges.payload });
  if (!taken?.organizationId) return null;
  try {
    return { organizationId: taken.organizationId, payload: JSON.parse(taken.payload) as unknown };
  } catch {
    return null;
  }
}
