import { and, eq, ne, sql } from 'drizzle-orm';
import { SESSION_IDLE_MS } from '../../auth/session-cookie.ts';
import type { SessionInfo } from '../../contract/sessions.ts';
import type { Database } from '../../db/client.ts';
import { inJsonList } from '../../db/json-list.ts';
import { sessionKeys, sessions } from '../../db/schema.ts';
import { notFound } from '../../errors.ts';

/** Keys and sessions record their last use at most this often: one write a minute, not one a request. */
export const TOUCH_EVERY_MS = 60_000;

/** When a session was last used: sessions from before last_used_at existed count from their start. */
export function sessionLastUsed(row: { lastUsedAt: number | null; createdAt: number }): number {
  return row.lastUsedAt ?? row.createdAt;
}

/** Past its absolute end or idle too long: the session has ended, exactly like an unknown one. */
export function sessionExpired(row: { expiresAt: number; lastUsedAt: number | null; createdAt: number }, now: number): boolean {
  return row.expiresAt <= now || sessionLastUsed(row) + SESSION_IDLE_MS <= now;
}

/** last_used_at moves at most once a minute: one write a minute per session, not one per request. */
export async function touchSession(db: Database, tokenHash: string, lastUsedAt: number, now: number): Promise<void> {
  if (lastUsedAt > now - TOUCH_EVERY_MS) return;
  await db.update(sessions).set({ lastUsedAt: now }).where(eq(sessions.tokenHash, tokenHash));
}

const ofUser = (userId: string) => eq(sessions.userId, userId);

/** The user's live sessions, newest first (as their owner sees them: never the token or its hash); `currentTokenHash` marks the caller's own. */
export async function listSessions(db: Database, userId: string, currentTokenHash: string | null, now: number): Promise<SessionInfo[]> {
  const rows = await db
    .select()
    .from(sessions)
    .where(and(ofUser(userId), sql`${sessions.expiresAt} > ${now}`))
    .orderBy(sql`${sessions.createdAt} DESC`);
  return rows.flatMap((row) => {
    if (row.id === null || sessionExpired(row, now)) return [];
    return [
      {
        id: row.id,
        method: row.method,
        createdAt: new Date(row.createdAt).toISOString(),
        lastUsedAt: new Date(sessionLastUsed(row)).toISOString(),
        userAgent: row.userAgent,
        ip: row.ip,
        current: row.tokenHash === currentTokenHash,
      },
    ];
  });
}

async function deleteSessions(db: Database, tokenHashes: string[]): Promise<void> {
  if (tokenHashes.length === 0) return;
  await db.batch([
    db.delete(sessionKeys).where(inJsonList(sessionKeys.tokenHash, tokenHashes)),
    db.delete(sessions).where(inJsonList(sessions.tokenHash, tokenHashes)),
  ]);
}

/** Sign-out: the caller's own session ends. */
export async function deleteSession(db: Database, tokenHash: string): Promise<void> {
  await deleteSessions(db, [tokenHash]);
}

/**
 * Ends one of the user's sessions at once. Another user's session id is a 404, like an unknown
 * one, so the answer never tells whether it exists. Returns the ended session's token hash.
 */
export async function endSession(db: Database, userId: string, sessionId: string): Promise<string> {
  const [row] = await db
    .select({ tokenHash: sessions.tokenHash })
    .from(sessions)
    .where(and(eq(sessions.id, sessionId), ofUser(userId)))
    .limit(1);
  if (!row) throw notFound('No such session.');
  await deleteSessions(db, [row.tokenHash]);
  return row.tokenHash;
}

/** Ends every session of the user but the caller's own (all of them for a caller without one). */
export async function endOtherSessions(db: Database, userId: string, currentTokenHash: string | null): Promise<number> {
  const rows = await db
    .select({ tokenHash: sessions.tokenHash })
    .from(sessions)
    .where(currentTokenHash === null ? ofUser(userId) : and(ofUser(userId), ne(sessions.tokenHash, currentTokenHash)));
  await deleteSessions(
    db,
    rows.map((row) => row.tokenHash),
  );
  return rows.length;
}
