import { lte, or, sql } from 'drizzle-orm';
import { SESSION_IDLE_MS } from '../../auth/session-cookie.ts';
import type { Database } from '../../db/client.ts';
import { sessionKeys, sessions, signInChallenges } from '../../db/schema.ts';

/** Past its absolute end, or idle too long (the same rule as sessions.ts#sessionExpired, in SQL). */
const endedSession = (now: number) =>
  or(lte(sessions.expiresAt, now), sql`coalesce(${sessions.lastUsedAt}, ${sessions.createdAt}) + ${SESSION_IDLE_MS} <= ${now}`);

/**
 * The daily cron forgets what can no longer be used: ended sessions (every request already refuses
 * them; the rows only kept the user agent and address of the sign-in) and sign-in ceremonies
 * (challenges, SSO state, one-time links) past their expiry. Returns how many of each went.
 */
export async function purgeEndedSignIns(db: Database, now: number): Promise<{ sessions: number; challenges: number }> {
  const [, ended, challenges] = await db.batch([
    db
      .delete(sessionKeys)
      .where(sql`${sessionKeys.tokenHash} IN (SELECT ${sessions.tokenHash} FROM ${sessions} WHERE ${endedSession(now)})`),
    db.delete(sessions).where(endedSession(now)),
    db.delete(signInChallenges).where(lte(signInChallenges.expiresAt, now)),
  ]);
  return { sessions: ended.meta.changes, challenges: challenges.meta.changes };
}
