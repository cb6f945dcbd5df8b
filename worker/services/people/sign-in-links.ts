import { eq } from 'drizzle-orm';
import type { PrincipalUser } from '../../auth/principal.ts';
import type { Database } from '../../db/client.ts';
import { users } from '../../db/schema.ts';
import { notFound, unauthorized } from '../../errors.ts';
import { findUserByEmail } from '../organizations/index.ts';
import { createChallenge, takeChallenge } from './challenges.ts';

/** A one-time sign-in link works once, for 15 minutes. */
const SIGN_IN_LINK_TTL_MS = 15 * 60 * 1000;

/** A one-time sign-in link for an existing person (the platform admin's tool, e.g. `npm start` for the demo owner). */
export async function createSignInLink(db: Database, email: string, now: number): Promise<{ token: string; expiresAt: number }> {
  const user = await findUserByEmail(db, email);
  if (!user) throw notFound(`No person with the email ${email}.`);
  const token = await createChallenge(db, { purpose: 'sign_in_link', userId: user.id, payload: {}, ttlMs: SIGN_IN_LINK_TTL_MS }, now);
  return { token, expiresAt: now + SIGN_IN_LINK_TTL_MS };
}

/** Uses a sign-in link (once): the person it was made for; a used, expired or unknown link is a 401. */
export async function redeemSignInLink(db: Database, token: string, now: number): Promise<PrincipalUser> {
  const link = await takeChallenge(db, token, 'sign_in_link', now);
  const refused = unauthorized('This sign-in link is not valid: it may have expired or been used. Ask for a new one.');
  if (!link?.row.userId) throw refused;
  const [user] = await db.select({ id: users.id, email: users.email, name: users.name }).from(users).where(eq(users.id, link.row.userId));
  if (!user) throw refused;
  return user;
}
