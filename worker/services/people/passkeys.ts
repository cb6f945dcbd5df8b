import { and, asc, desc, eq } from 'drizzle-orm';
import type { Principal, PrincipalUser } from '../../auth/principal.ts';
import { base64Url } from '../../auth/secrets.ts';
import type { Passkey, WebAuthnCredential } from '../../contract/identity.ts';
import type { Database } from '../../db/client.ts';
import { newId } from '../../db/ids.ts';
import { memberships, passkeys, sessions, users } from '../../db/schema.ts';
import { ApiError, badRequest, forbidden, notFound, unauthorized } from '../../errors.ts';
import { CEREMONY_TTL_MS, createChallenge, takeChallenge } from './challenges.ts';
import {
  authenticationOptions,
  knownTransports,
  type RelyingParty,
  registrationOptions,
  type VerifiedPasskey,
  verifyAuthentication,
  verifyRegistration,
} from './webauthn.ts';

type PasskeyRow = typeof passkeys.$inferSelect;

function view(row: PasskeyRow): Passkey {
  return {
    id: row.id,
    name: row.name,
    createdAt: new Date(row.createdAt).toISOString(),
    lastUsedAt: row.lastUsedAt === null ? null : new Date(row.lastUsedAt).toISOString(),
  };
}

function transportsOf(row: PasskeyRow) {
  try {
    const value: unknown = JSON.parse(row.transports);
    return knownTransports(Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : []);
  } catch {
    return [];
  }
}

/**
 * Only a person's own session (passkey, SSO, Access, one-time link) manages passkeys: an API key,
 * or a session started with one, must not turn a leaked key into a lasting way in as the person.
 */
export async function personSessionUser(db: Database, caller: Principal): Promise<PrincipalUser> {
  const refusal = 'Passkeys are managed from a session you signed in to as yourself (passkey, SSO or a sign-in link), not with an API key.';
  if (caller.kind !== 'session' || !caller.sessionTokenHash || !caller.user) throw forbidden(refusal);
  const [session] = await db.select({ method: sessions.method }).from(sessions).where(eq(sessions.tokenHash, caller.sessionTokenHash));
  if (!session || session.method === 'api_key') throw forbidden(refusal);
  return caller.user;
}

export async function listPasskeys(db: Database, userId: string): Promise<Passkey[]> {
  const rows = await db.select().from(passkeys).where(eq(passkeys.userId, userId)).orderBy(desc(passkeys.createdAt));
  return rows.map(view);
}

/** Registration options for `user` (their existing passkeys excluded) and the ceremony's handle. */
export async function startPasskeyRegistration(
  db: Database,
  rp: RelyingParty,
  user: PrincipalUser,
  extra: { organizationId?: string; invitationId?: string },
  now: number,
) {
  const existing = await db.select().from(passkeys).where(eq(passkeys.userId, user.id));
  const options = await registrationOptions(
    rp,
    user,
    existing.map((row) => ({ credentialId: row.credentialId, transports: transportsOf(row) })),
  );
  const handle = await createChallenge(
    db,
    {
      purpose: 'passkey_register',
      organizationId: extra.organizationId ?? null,
      userId: user.id,
      payload: { challenge: options.challenge, invitationId: extra.invitationId ?? null },
      ttlMs: CEREMONY_TTL_MS,
    },
    now,
  );
  return { options, handle };
}

const START_AGAIN = 'The passkey ceremony expired, was already used, or belongs to another page. Start again.';

/**
 * Verifies a registration against the ceremony behind `handle`, which must have been started for
 * `userId` (and, for an invitation, that invitation). Returns the verified credential, not yet stored.
 */
export async function finishPasskeyRegistration(
  db: Database,
  rp: RelyingParty,
  handle: string | undefined,
  response: WebAuthnCredential,
  expect: { userId?: string; invitationId?: string },
  now: number,
): Promise<{ userId: string; passkey: VerifiedPasskey }> {
  const ceremony = await takeChallenge(db, handle, 'passkey_register', now);
  const userId = ceremony?.row.userId;
  if (!ceremony || !userId || typeof ceremony.payload.challenge !== 'string') throw badRequest(START_AGAIN);
  if (expect.userId !== undefined && userId !== expect.userId) throw badRequest(START_AGAIN);
  if ((ceremony.payload.invitationId ?? undefined) !== expect.invitationId) throw badRequest(START_AGAIN);
  const passkey = await verifyRegistration(rp, response, ceremony.payload.challenge);
  const [taken] = await db.select({ id: passkeys.id }).from(passkeys).where(eq(passkeys.credentialId, passkey.credentialId));
  if (taken) throw badRequest('This passkey is already registered.');
  return { userId, passkey };
}

export function insertPasskeyStatement(db: Database, userId: string, passkey: VerifiedPasskey, name: string, now: number) {
  return db.insert(passkeys).values({
    id: newId('pk'),
    userId,
    credentialId: passkey.credentialId,
    publicKey: passkey.publicKey,
    counter: passkey.counter,
    transports: JSON.stringify(passkey.transports),
    name,
    createdAt: now,
  });
}

export async function addPasskey(db: Database, userId: string, passkey: VerifiedPasskey, name: string, now: number): Promise<Passkey> {
  await insertPasskeyStatement(db, userId, passkey, name, now);
  const [row] = await db.select().from(passkeys).where(eq(passkeys.credentialId, passkey.credentialId));
  if (!row) throw notFound('The passkey was not stored.');
  return view(row);
}

/** Deletes one of the person's passkeys (another person's id is a 404). Sessions it started go on. */
export async function deletePasskey(db: Database, userId: string, id: string): Promise<void> {
  const deleted = await db
    .delete(passkeys)
    .where(and(eq(passkeys.id, id), eq(passkeys.userId, userId)))
    .returning({ id: passkeys.id });
  if (deleted.length === 0) throw notFound(`No passkey ${id} of yours.`);
}

export async function startPasskeySignIn(db: Database, rp: RelyingParty, now: number) {
  const options = await authenticationOptions(rp);
  const handle = await createChallenge(
    db,
    { purpose: 'passkey_sign_in', payload: { challenge: options.challenge }, ttlMs: CEREMONY_TTL_MS },
    now,
  );
  return { options, handle };
}

const SIGN_IN_FAILED = 'The passkey sign-in failed: the ceremony expired or was already used, or the passkey is unknown here. Start again.';

/**
 * A sign-in with a known passkey that failed: a 401 like every other failure (same detail), which
 * also names whose passkey it was and the organizations they belong to, so the route records
 * `sign_in_failed` there. An unknown credential names nobody and records nothing.
 */
export class PasskeySignInRefused extends ApiError {
  readonly email: string;
  readonly passkeyId: string;
  readonly organizationIds: string[];
  readonly reason: string;

  constructor(refused: { email: string; passkeyId: string; organizationIds: string[]; reason: string }) {
    super('unauthenticated', SIGN_IN_FAILED);
    this.email = refused.email;
    this.passkeyId = refused.passkeyId;
    this.organizationIds = refused.organizationIds;
    this.reason = refused.reason;
  }
}

async function refusal(db: Database, row: PasskeyRow, reason: string): Promise<PasskeySignInRefused> {
  const [user] = await db.select({ email: users.email }).from(users).where(eq(users.id, row.userId));
  const rows = await db
    .select({ organizationId: memberships.organizationId })
    .from(memberships)
    .where(eq(memberships.userId, row.userId))
    .orderBy(asc(memberships.createdAt));
  return new PasskeySignInRefused({
    email: user?.email ?? row.userId,
    passkeyId: row.id,
    organizationIds: rows.map((membership) => membership.organizationId),
    reason,
  });
}

/**
 * Checks an assertion: the ceremony (single use, 5 minutes), the credential, the user handle, its
 * signature, and the signature counter (stored with a compare-and-set, so a cloned
 * authenticator's replayed counter and a concurrent use both fail). Returns the person. A known
 * passkey's failure throws PasskeySignInRefused (a 401).
 */
export async function finishPasskeySignIn(
  db: Database,
  rp: RelyingParty,
  handle: string | undefined,
  response: WebAuthnCredential,
  now: number,
): Promise<PrincipalUser> {
  const ceremony = await takeChallenge(db, handle, 'passkey_sign_in', now);
  if (!ceremony || typeof ceremony.payload.challenge !== 'string') throw unauthorized(SIGN_IN_FAILED);
  const [row] = await db.select().from(passkeys).where(eq(passkeys.credentialId, response.id));
  if (!row) throw unauthorized(SIGN_IN_FAILED);
  const userHandle = response.response.userHandle;
  if (userHandle && userHandle !== base64Url(new TextEncoder().encode(row.userId)))
    throw await refusal(db, row, 'the passkey answered for another person (user handle mismatch)');
  const stored: VerifiedPasskey = {
    credentialId: row.credentialId,
    publicKey: row.publicKey,
    counter: row.counter,
    transports: transportsOf(row),
  };
  const verdict = await verifyAuthentication(rp, response, ceremony.payload.challenge, stored);
  if (!verdict.ok) throw await refusal(db, row, verdict.reason);
  const updated = await db
    .update(passkeys)
    .set({ counter: verdict.counter, lastUsedAt: now })
    .where(and(eq(passkeys.id, row.id), eq(passkeys.counter, row.counter)))
    .returning({ id: passkeys.id });
  if (updated.length === 0) throw await refusal(db, row, 'the passkey was used at the same moment elsewhere (signature counter changed)');
  const [user] = await db.select({ id: users.id, email: users.email, name: users.name }).from(users).where(eq(users.id, row.userId));
  if (!user) throw unauthorized(SIGN_IN_FAILED);
  return user;
}
