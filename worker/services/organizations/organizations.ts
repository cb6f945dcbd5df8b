import { eq } from 'drizzle-orm';
import type { Principal } from '../../auth/principal.ts';
import { newApiKeySecret, sha256Hex } from '../../auth/secrets.ts';
import type { Database } from '../../db/client.ts';
import { newId } from '../../db/ids.ts';
import { apiKeys, memberships, organizations, users } from '../../db/schema.ts';
import { notFound } from '../../errors.ts';
import { importedChange, managementEvent } from '../../events/management-event.ts';
import { recordChangeStatements } from '../event-store/index.ts';

export interface NewOrganization {
  name: string;
  owner: { email: string; name: string };
  /** The shard holding its events (services/event-store/shard-routing.ts, placeOrganization). */
  shard: string;
  /** An operator's import: when it was created (platform admin only). */
  createdAt?: string | undefined;
}

export async function findUserByEmail(db: Database, email: string) {
  const [user] = await db.select().from(users).where(eq(users.email, email)).limit(1);
  return user;
}

/**
 * Creates an organization, its first owner (an existing user is reused by email) and the owner's
 * first API key, and records all three as audit events, in one transaction.
 */
export async function createOrganization(
  db: Database,
  input: NewOrganization,
  context: { principal: Principal; ip: string | null; now: number },
) {
  // An import dates the organization, its owner's membership and their events in the past.
  const { at: now, extra: imported } = importedChange(context, input.createdAt);
  const dated = { ...context, now };
  const organizationId = newId('org');
  const existingUser = await findUserByEmail(db, input.owner.email);
  const userId = existingUser?.id ?? newId('usr');
  const keyId = newId('key');
  const { secret, prefix } = newApiKeySecret();
  const events = [
    managementEvent(dated, {
      action: 'create',
      objectType: 'organization',
      objectName: input.name,
      message: `Created organization ${input.name}`,
      extra: imported,
    }),
    managementEvent(dated, {
      action: 'create',
      objectType: 'member',
      objectName: input.owner.email,
      message: `Added ${input.owner.email} as owner`,
      extra: { role: 'owner', ...imported },
    }),
    managementEvent(dated, {
      action: 'create',
      objectType: 'api_key',
      objectName: 'Owner key',
      message: `Created owner API key ${prefix}… for ${input.owner.email}`,
      extra: { role: 'owner', keyId, ...imported },
    }),
  ];
  await db.batch([
    db.insert(organizations).values({ id: organizationId, name: input.name, createdAt: now, shard: input.shard }),
    db.insert(users).values({ id: userId, email: input.owner.email, name: input.owner.name, createdAt: now }).onConflictDoNothing(),
    db.insert(memberships).values({ organizationId, userId, role: 'owner', createdAt: now }),
    db.insert(apiKeys).values({
      id: keyId,
      organizationId,
      userId,
      name: 'Owner key',
      role: 'owner',
      secretHash: await sha256Hex(secret),
      prefix,
      createdAt: now,
    }),
    ...(await recordChangeStatements(db, organizationId, events, context.now)),
  ]);
  return { organization: { id: organizationId, name: input.name, shard: input.shard }, ownerApiKey: secret, ownerApiKeyId: keyId };
}

export async function getOrganization(db: Database, organizationId: string) {
  const [organization] = await db.select().from(organizations).where(eq(organizations.id, organizationId)).limit(1);
  if (!organization) throw notFound(`Organization ${organizationId} does not exist.`);
  return organization;
}
