import { and, asc, eq, sql } from 'drizzle-orm';
import type { OrgGrant, Principal, PrincipalUser } from '../../auth/principal.ts';
import { randomToken, sha256Hex } from '../../auth/secrets.ts';
import { SESSION_LIFETIME_MS } from '../../auth/session-cookie.ts';
import type { CredentialType, SessionMethod } from '../../contract/enums.ts';
import type { Database } from '../../db/client.ts';
import { newId } from '../../db/ids.ts';
import { inJsonList } from '../../db/json-list.ts';
import { apiKeys, type Role, sessionKeys, sessions, users } from '../../db/schema.ts';
import { forbidden, ssoRequired, unauthorized } from '../../errors.ts';
import { type KeyLookup, keyGrant, keysQuery, type SignInKey } from './credentials.ts';
import { membershipsQuery, ssoEnforcingQuery } from './person-memberships.ts';
import { sessionExpired, sessionLastUsed, touchSession } from './sessions.ts';

const SESSION_ENDED = 'The session has ended. Sign in again.';
const NO_ORGANIZATION =
  'Who you are was verified, but you are not a member of any organization here (any more). Ask an organization owner to invite you again.';

/** The credential type an event records for a request made with a session of each method. */
const SESSION_CREDENTIAL: Record<SessionMethod, CredentialType> = {
  api_key: 'session',
  passkey: 'passkey',
  sso: 'sso',
  access: 'access',
  link: 'session',
};

/** A person's session (passkey, SSO, Access) acts with their memberships; an API-key session only with its keys. */
function isPersonSession(method: SessionMethod): boolean {
  return method !== 'api_key';
}

function parseOrganizationIds(json: string): string[] {
  try {
    const value: unknown = JSON.parse(json);
    return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
  } catch {
    return [];
  }
}

/** What a session's grants are made of, read in the same batch as the session itself. */
interface GrantRows {
  /** The session's keys, oldest first. */
  keys: KeyLookup[];
  /** The person's memberships at their current role. */
  memberRows: { organizationId: string; role: Role }[];
  /** Which of the person's organizations enforce SSO. */
  enforcingRows: { organizationId: string }[];
}

/**
 * The grants of a session: its keys' grants (each capped at the user's current role), and for a
 * person's session their memberships at their current role, which win over a key of the same
 * organization. Organizations that enforce SSO drop out unless the session signed in to them through it.
 */
function sessionGrants(
  session: { userId: string; method: SessionMethod; ssoOrganizationIds: string },
  { keys, memberRows, enforcingRows }: GrantRows,
  now: number,
): { grants: OrgGrant[]; ssoRequired: string[] } {
  const byOrganization = new Map<string, OrgGrant>();
  for (const key of keys) {
    if (key.userId !== session.userId) continue;
    try {
      byOrganization.set(key.organizationId, keyGrant(key, now));
    } catch {
      // A key that stopped working (revoked, expired, user left) drops out of the session.
    }
  }
  if (isPersonSession(session.method)) {
    for (const row of memberRows)
      byOrganization.set(row.organizationId, { organizationId: row.organizationId, role: row.role, instanceId: null, apiKeyId: null });
  }
  const enforced = enforcingRows.map((row) => row.organizationId).filter((organizationId) => byOrganization.has(organizationId));
  const signedInThroughSso = new Set(parseOrganizationIds(session.ssoOrganizationIds));
  const ssoRequired = enforced.filter((organizationId) => !signedInThroughSso.has(organizationId));
  for (const organizationId of ssoRequired) byOrganization.delete(organizationId);
  return { grants: [...byOrganization.values()], ssoRequired };
}

/**
 * The person behind a session cookie. A session that reaches no organization at all (every key
 * stopped working, every membership gone) has ended, exactly like an unknown or expired one.
 * One round trip: the session, its keys, and its person's memberships and SSO-enforcing
 * organizations (found through the session's user) are read in one batch; every request with
 * the cookie pays for it (docs/ARCHITECTURE.md).
 */
export async function principalFromSession(db: Database, token: string, now: number): Promise<Principal> {
  const tokenHash = await sha256Hex(token);
  const sessionUser = sql`(SELECT ${sessions.userId} FROM ${sessions} WHERE ${sessions.tokenHash} = ${tokenHash})`;
  const [[row], keys, memberRows, enforcingRows] = await db.batch([
    db
      .select({ session: sessions, userEmail: users.email, userName: users.name })
      .from(sessions)
      .innerJoin(users, eq(users.id, sessions.userId))
      .where(eq(sessions.tokenHash, tokenHash))
      .limit(1),
    keysQuery(db)
      .innerJoin(sessionKeys, eq(sessionKeys.apiKeyId, apiKeys.id))
      .where(eq(sessionKeys.tokenHash, tokenHash))
      .orderBy(asc(sessionKeys.addedAt)),
    membershipsQuery(db, sessionUser),
    ssoEnforcingQuery(db, sessionUser),
  ]);
  const id = row?.session.id ?? null;
  const userId = row?.session.userId ?? null;
  if (!row || id === null || userId === null || sessionExpired(row.session, now)) throw unauthorized(SESSION_ENDED);
  const { session } = row;
  const user = { id: userId, email: row.userEmail, name: row.userName };
  const { grants, ssoRequired } = sessionGrants({ ...session, userId: user.id }, { keys, memberRows, enforcingRows }, now);
  if (grants.length === 0 && ssoRequired.length === 0) throw unauthorized(SESSION_ENDED);
  await touchSession(db, tokenHash, sessionLastUsed(session), now);
  return sessionPrincipal({ ...session, tokenHash, id }, user, { grants, ssoRequired });
}

function sessionPrincipal(
  session: { tokenHash: string; id: string; method: SessionMethod; apiKeyId: string | null },
  user: PrincipalUser,
  { grants, ssoRequired }: { grants: OrgGrant[]; ssoRequired: string[] },
): Principal {
  return {
    kind: 'session',
    user,
    apiKeyId: session.apiKeyId,
    sessionTokenHash: session.tokenHash,
    grants,
    actor: { type: 'user', id: user.email },
    credential: { type: SESSION_CREDENTIAL[session.method], id: session.id },
    ssoRequired,
  };
}

/** Where a sign-in came from, kept on the session for its owner's session list. */
export interface SessionClient {
  userAgent: string | null;
  ip: string | null;
}

/** What a successful sign-in proved. */
export interface SessionStart {
  user: PrincipalUser;
  method: SessionMethod;
  /** The key of an API-key sign-in. */
  apiKeyId: string | null;
  /** The organization of an SSO sign-in. */
  ssoOrganizationId: string | null;
}

/**
 * Starts a session: always a new token and a new id (a sign-in never keeps a session id an
 * attacker may have planted). A working session of the same person carries over into the new one
 * (its keys, its SSO organizations, and its being a person's session), so signing in to a second
 * organization adds to what the dashboard reaches; the old session ends. An API-key sign-in
 * replaces the session's earlier key of the same organization.
 */
export async function startSession(
  db: Database,
  start: SessionStart,
  current: Principal | null,
  client: SessionClient,
  now: number,
): Promise<{ token: string; principal: Principal }> {
  const carried =
    current?.kind === 'session' && current.sessionTokenHash !== null && current.user?.id === start.user.id
      ? await carriedOver(db, current.sessionTokenHash)
      : null;
  let keyIds = carried?.keyIds ?? [];
  if (start.apiKeyId !== null) {
    // The carried keys of the new key's organization (at most one) give way to it.
    const replaced =
      keyIds.length === 0
        ? []
        : await db
            .select({ id: apiKeys.id })
            .from(apiKeys)
            .where(
              and(
                inJsonList(apiKeys.id, keyIds),
                sql`${apiKeys.organizationId} = (SELECT organization_id FROM api_keys WHERE id = ${start.apiKeyId})`,
              ),
            );
    const sameOrganization = new Set(replaced.map((key) => key.id));
    keyIds = [...keyIds.filter((id) => !sameOrganization.has(id)), start.apiKeyId];
  }
  const ssoOrganizationIds = [
    ...new Set([...(carried?.ssoOrganizationIds ?? []), ...(start.ssoOrganizationId ? [start.ssoOrganizationId] : [])]),
  ];
  // Adding a key to a person's session keeps it a person's session.
  const method = start.method === 'api_key' && carried && isPersonSession(carried.method) ? carried.method : start.method;
  const token = randomToken(32);
  const tokenHash = await sha256Hex(token);
  const session = { tokenHash, id: newId('ses'), userId: start.user.id, method, apiKeyId: start.apiKeyId };
  // What the new session grants is read in the batch that writes it (before the writes, which
  // change none of it): the same rows principalFromSession reads for it on every later request.
  const [keys, memberRows, enforcingRows] = await db.batch([
    keysQuery(db).where(inJsonList(apiKeys.id, keyIds)),
    membershipsQuery(db, start.user.id),
    ssoEnforcingQuery(db, start.user.id),
    db.insert(sessions).values({
      ...session,
      ssoOrganizationIds: JSON.stringify(ssoOrganizationIds),
      createdAt: now,
      lastUsedAt: now,
      expiresAt: now + SESSION_LIFETIME_MS,
      userAgent: client.userAgent,
      ip: client.ip,
    }),
    ...keyIds.map((apiKeyId, index) => db.insert(sessionKeys).values({ tokenHash, apiKeyId, addedAt: now + index })),
    ...(current?.sessionTokenHash && carried
      ? [
          db.delete(sessionKeys).where(eq(sessionKeys.tokenHash, current.sessionTokenHash)),
          db.delete(sessions).where(eq(sessions.tokenHash, current.sessionTokenHash)),
        ]
      : []),
  ]);
  const inOrder = keyIds.flatMap((keyId) => keys.filter((key) => key.id === keyId));
  const granted = sessionGrants(
    { ...session, ssoOrganizationIds: JSON.stringify(ssoOrganizationIds) },
    { keys: inOrder, memberRows, enforcingRows },
    now,
  );
  if (granted.grants.length === 0 && granted.ssoRequired.length === 0) {
    // A person who proved who they are but belongs nowhere any more (removed from every
    // organization): no session is left behind, and the answer says why instead of "ended".
    await db.batch([
      db.delete(sessionKeys).where(eq(sessionKeys.tokenHash, tokenHash)),
      db.delete(sessions).where(eq(sessions.tokenHash, tokenHash)),
    ]);
    throw unauthorized(NO_ORGANIZATION);
  }
  return { token, principal: sessionPrincipal(session, start.user, granted) };
}

async function carriedOver(db: Database, tokenHash: string) {
  const [session] = await db.select().from(sessions).where(eq(sessions.tokenHash, tokenHash)).limit(1);
  if (!session) return null;
  const keys = await db
    .select({ apiKeyId: sessionKeys.apiKeyId })
    .from(sessionKeys)
    .where(eq(sessionKeys.tokenHash, tokenHash))
    .orderBy(asc(sessionKeys.addedAt));
  return {
    method: session.method,
    ssoOrganizationIds: parseOrganizationIds(session.ssoOrganizationIds),
    keyIds: keys.map((key) => key.apiKeyId),
  };
}

/**
 * Signs a person in with one of their personal keys (automation and break-glass): the key's
 * organization joins a new session. Refused for ingest keys and where the organization enforces SSO.
 */
export async function signInWithApiKey(
  db: Database,
  { key, ssoEnforced }: SignInKey,
  current: Principal | null,
  client: SessionClient,
  now: number,
): Promise<{ token: string; principal: Principal }> {
  const grant = key.grants === 'all' ? undefined : key.grants[0];
  if (!key.user || !key.apiKeyId || !grant) {
    throw forbidden(
      'This is a service key: it belongs to the organization, not to a person, so it can never sign in to the dashboard. Sign in as yourself (SSO, a passkey or your personal API key).',
    );
  }
  if (grant.role === 'ingest') throw forbidden('Ingest keys can only send events; they cannot sign in.');
  if (ssoEnforced) throw ssoRequired(grant.organizationId);
  return startSession(db, { user: key.user, method: 'api_key', apiKeyId: key.apiKeyId, ssoOrganizationId: null }, current, client, now);
}
