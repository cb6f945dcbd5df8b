import { and, desc, eq, isNull, type SQL, sql } from 'drizzle-orm';
import { mayGrant } from '../../auth/roles.ts';
import { newApiKeySecret, sha256Hex } from '../../auth/secrets.ts';
import type { KeyKind } from '../../contract/enums.ts';
import type { Database } from '../../db/client.ts';
import { newId } from '../../db/ids.ts';
import { type ApiKeyRow, apiKeys, type KeyRole, memberships, sessionKeys, sessions } from '../../db/schema.ts';
import { forbidden, invalidField, notFound } from '../../errors.ts';
import { type ChangeContext, managementEvent } from '../../events/management-event.ts';
import { recordChangeStatements } from '../event-store/index.ts';
import { instanceExists } from '../organizations/index.ts';

export interface ApiKeyView {
  id: string;
  name: string;
  role: KeyRole;
  kind: KeyKind;
  instanceId: string | null;
  prefix: string;
  userId: string | null;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
  revokedAt: string | null;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function view(row: ApiKeyRow): ApiKeyView {
  return {
    id: row.id,
    name: row.name,
    role: row.role,
    // Keys the platform admin token made before kinds existed have no person: they always were the organization's.
    kind: row.userId === null ? 'service' : row.kind,
    instanceId: row.instanceId,
    prefix: row.prefix,
    userId: row.userId,
    createdAt: iso(row.createdAt) ?? '',
    lastUsedAt: iso(row.lastUsedAt),
    expiresAt: iso(row.expiresAt),
    revokedAt: iso(row.revokedAt),
  };
}

export async function listApiKeys(db: Database, organizationId: string): Promise<ApiKeyView[]> {
  const rows = await db.select().from(apiKeys).where(eq(apiKeys.organizationId, organizationId)).orderBy(desc(apiKeys.createdAt));
  return rows.map(view);
}

async function getApiKey(db: Database, organizationId: string, keyId: string): Promise<ApiKeyView> {
  const [row] = await db
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.organizationId, organizationId), eq(apiKeys.id, keyId)))
    .limit(1);
  if (!row) throw notFound(`API key ${keyId} does not exist in organization ${organizationId}.`);
  return view(row);
}

export interface NewApiKey {
  name: string;
  role: KeyRole;
  /** Undefined: personal for a person, service for the platform admin token (which is no person). */
  kind: KeyKind | undefined;
  instanceId: string | null;
  expiresAt: number | null;
}

/** A new key's kind: a person's own unless asked for a service key; the platform admin token has no person to own one. */
function newKeyKind(input: NewApiKey, context: ChangeContext): KeyKind {
  const person = context.principal.user !== null;
  const kind = input.kind ?? (person ? 'personal' : 'service');
  if (kind === 'service' && context.role !== 'owner') {
    throw forbidden(
      person
        ? `Only owners can create service keys (your role is ${context.role}); create a personal key instead.`
        : `Only owners can create service keys (this key's role is ${context.role}), and a service key is no person to create a personal one for.`,
    );
  }
  if (kind === 'personal' && !person) {
    throw forbidden('A personal key acts for the person who creates it; this credential is no person, so it can only create service keys.');
  }
  return kind;
}

/** The rules a new key must meet: what the caller may grant, instance binding, a future expiry. */
async function checkNewKey(db: Database, organizationId: string, input: NewApiKey, context: ChangeContext): Promise<void> {
  if (!mayGrant(context.role, input.role)) throw forbidden(`Your role (${context.role}) cannot create ${input.role} keys.`);
  if (input.instanceId !== null) {
    if (input.role !== 'ingest') throw invalidField('instanceId', 'Only ingest keys can be limited to an instance.');
    if (!(await instanceExists(db, organizationId, input.instanceId))) {
      throw invalidField('instanceId', `Instance ${input.instanceId} does not exist in this organization.`);
    }
  }
  if (input.expiresAt !== null && input.expiresAt <= context.now) throw invalidField('expiresAt', 'The expiry must be in the future.');
}

/**
 * Creates a personal key acting for the calling person (never for anyone else), or a service key
 * of the organization (no user: its creator is the create event's actor); the secret is returned
 * here and never again.
 */
export async function createApiKey(db: Database, organizationId: string, input: NewApiKey, context: ChangeContext) {
  const kind = newKeyKind(input, context);
  await checkNewKey(db, organizationId, input, context);
  const { secret, prefix } = newApiKeySecret();
  const row: ApiKeyRow = {
    id: newId('key'),
    organizationId,
    userId: kind === 'personal' ? (context.principal.user?.id ?? null) : null,
    name: input.name,
    role: input.role,
    kind,
    instanceId: input.instanceId,
    secretHash: await sha256Hex(secret),
    prefix,
    createdAt: context.now,
    lastUsedAt: null,
    expiresAt: input.expiresAt,
    revokedAt: null,
  };
  const event = managementEvent(context, {
    action: 'create',
    objectType: 'api_key',
    objectName: input.name,
    instanceId: input.instanceId,
    message: `Created ${input.role} ${kind} API key ${prefix}…`,
    extra: { keyId: row.id, role: input.role, kind },
  });
  await db.batch([db.insert(apiKeys).values(row), ...(await recordChangeStatements(db, organizationId, [event], context.now))]);
  return { ...view(row), secret };
}

/** Revokes a key and ends the sessions signed in with it. Revoking twice is a no-op. */
export async function revokeApiKey(db: Database, organizationId: string, keyId: string, context: ChangeContext) {
  const key = await getApiKey(db, organizationId, keyId);
  if (!mayGrant(context.role, key.role)) throw forbidden(`Your role (${context.role}) cannot revoke ${key.role} keys.`);
  if (key.revokedAt !== null) return key;
  const now = context.now;
  const event = managementEvent(context, {
    action: 'delete',
    objectType: 'api_key',
    objectName: key.name,
    instanceId: key.instanceId,
    message: `Revoked ${key.role} API key ${key.prefix}…`,
    extra: { keyId },
  });
  await db.batch([
    db
      .update(apiKeys)
      .set({ revokedAt: now })
      .where(and(eq(apiKeys.id, keyId), isNull(apiKeys.revokedAt))),
    ...(await recordChangeStatements(db, organizationId, [event], now, { onlyIfPreviousChanged: true })),
    ...leaveSessionsStatements(db, eq(sessionKeys.apiKeyId, keyId)),
  ]);
  return { ...key, revokedAt: iso(now) };
}

/**
 * The keys matching `keys` leave every session; an API-key session left with no key has ended (a person's
 * session acts through memberships, which offboarding deletes). A session
 * that also holds another organization's key keeps that organization and loses only these.
 */
function leaveSessionsStatements(db: Database, keys: SQL | undefined) {
  return [
    db.delete(sessionKeys).where(keys),
    db
      .delete(sessions)
      .where(
        and(
          eq(sessions.method, 'api_key'),
          sql`NOT EXISTS (SELECT 1 FROM session_keys WHERE session_keys.token_hash = ${sessions.tokenHash})`,
        ),
      ),
  ] as const;
}

/**
 * Offboarding, for the batch that deletes a membership (after its delete): every key the user
 * created in the organization is revoked for good, each revocation recorded like a DELETE of the
 * key, and the keys leave every session, so adding the same email again later brings none of
 * them back. Every statement is guarded by the membership being gone, so a removal that its own
 * statement refused (the last owner) revokes nothing.
 */
export async function revokeLeaverKeysStatements(db: Database, organizationId: string, userId: string, context: ChangeContext) {
  // Personal keys only: a service key has no user (it belongs to the organization and outlives its creator).
  const theirs = and(eq(apiKeys.organizationId, organizationId), eq(apiKeys.userId, userId), eq(apiKeys.kind, 'personal'));
  const gone = sql`NOT EXISTS (SELECT 1 FROM ${memberships} WHERE ${memberships.organizationId} = ${organizationId} AND ${memberships.userId} = ${userId})`;
  const live = await db
    .select()
    .from(apiKeys)
    .where(and(theirs, isNull(apiKeys.revokedAt)));
  const events = live.map((key) =>
    managementEvent(context, {
      action: 'delete',
      objectType: 'api_key',
      objectName: key.name,
      instanceId: key.instanceId,
      message: `Revoked ${key.role} API key ${key.prefix}… (its user left the organization)`,
      extra: { keyId: key.id },
    }),
  );
  return [
    db
      .update(apiKeys)
      .set({ revokedAt: context.now })
      .where(and(theirs, isNull(apiKeys.revokedAt), gone)),
    ...(await recordChangeStatements(db, organizationId, events, context.now, { onlyIfPreviousChanged: true })),
    ...leaveSessionsStatements(db, and(sql`${sessionKeys.apiKeyId} IN (SELECT ${apiKeys.id} FROM ${apiKeys} WHERE ${theirs})`, gone)),
  ] as const;
}
