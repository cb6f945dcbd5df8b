import { and, eq, lt } from 'drizzle-orm';
import { randomToken, sha256Hex } from '../../auth/secrets.ts';
import type { Database } from '../../db/client.ts';
import { signInChallenges } from '../../db/schema.ts';

export type ChallengePurpose = (typeof signInChallenges.$inferSelect)['purpose'];
export type ChallengeRow = typeof signInChallenges.$inferSelect;

/** WebAuthn ceremonies must finish within 5 minutes. */
export const CEREMONY_TTL_MS = 5 * 60 * 1000;

/**
 * Stores one ceremony's state under the SHA-256 of a new random handle and returns the handle
 * (the browser keeps it in an HttpOnly cookie, or a one-time link carries it). Expired rows of
 * every ceremony are swept on the way.
 */
export async function createChallenge(
  db: Database,
  input: {
    purpose: ChallengePurpose;
    organizationId?: string | null;
    userId?: string | null;
    payload: Record<string, unknown>;
    ttlMs: number;
  },
  now: number,
): Promise<string> {
  const handle = randomToken(32);
  await db.batch([
    db.delete(signInChallenges).where(lt(signInChallenges.expiresAt, now)),
    db.insert(signInChallenges).values({
      handleHash: await sha256Hex(handle),
      purpose: input.purpose,
      organizationId: input.organizationId ?? null,
      userId: input.userId ?? null,
      payload: JSON.stringify(input.payload),
      createdAt: now,
      expiresAt: now + input.ttlMs,
    }),
  ]);
  return handle;
}

/**
 * Takes (deletes and returns) the ceremony state behind a handle, if it is of this purpose and has
 * not expired. The delete is the single use: of two requests with one handle, one finds the row.
 */
export async function takeChallenge(
  db: Database,
  handle: string | undefined,
  purpose: ChallengePurpose,
  now: number,
): Promise<{ row: ChallengeRow; payload: Record<string, unknown> } | null> {
  if (!handle || handle.length > 256) return null;
  const [row] = await db
    .delete(signInChallenges)
    .where(and(eq(signInChallenges.handleHash, await sha256Hex(handle)), eq(signInChallenges.purpose, purpose)))
    .returning();
  if (!row || row.expiresAt <= now) return null;
  const payload: unknown = JSON.parse(row.payload);
  return { row, payload: typeof payload === 'object' && payload !== null ? (payload as Record<string, unknown>) : {} };
}
