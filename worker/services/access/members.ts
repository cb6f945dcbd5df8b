import { and, asc, eq, ne, or, sql } from 'drizzle-orm';
import { mayGrant } from '../../auth/roles.ts';
import type { Database } from '../../db/client.ts';
import { newId } from '../../db/ids.ts';
import { memberships, type Role, users } from '../../db/schema.ts';
import { ApiError, forbidden, notFound } from '../../errors.ts';
import { type ChangeContext, importedChange, managementEvent } from '../../events/management-event.ts';
import { recordChangeStatements } from '../event-store/index.ts';
import { findUserByEmail, getOrganization } from '../organizations/index.ts';
import { revokeLeaverKeysStatements } from './api-keys.ts';

export interface MemberView {
  userId: string;
  email: string;
  name: string;
  role: Role;
  createdAt: string;
}

const memberColumns = {
  userId: memberships.userId,
  email: users.email,
  name: users.name,
  role: memberships.role,
  createdAt: memberships.createdAt,
};

function view(row: { userId: string; email: string; name: string; role: Role; createdAt: number }): MemberView {
  return { ...row, createdAt: new Date(row.createdAt).toISOString() };
}

export async function listMembers(db: Database, organizationId: string): Promise<MemberView[]> {
  const rows = await db
    .select(memberColumns)
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(eq(memberships.organizationId, organizationId))
    .orderBy(asc(users.email));
  return rows.map(view);
}

async function getMember(db: Database, organizationId: string, userId: string): Promise<MemberView> {
  const [row] = await db
    .select(memberColumns)
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(and(eq(memberships.organizationId, organizationId), eq(memberships.userId, userId)))
    .limit(1);
  if (!row) throw notFound(`User ${userId} is not a member of organization ${organizationId}.`);
  return view(row);
}

export async function addMember(
  db: Database,
  organizationId: string,
  input: { email: string; name: string; role: Role; createdAt?: string | undefined },
  context: ChangeContext,
): Promise<MemberView> {
  refuseUnlessGrantable(context, input.role);
  const notBefore = input.createdAt === undefined ? 0 : (await getOrganization(db, organizationId)).createdAt;
  const { at, extra: imported } = importedChange(context, input.createdAt, notBefore);
  const existing = await findUserByEmail(db, input.email);
  const userId = existing?.id ?? newId('usr');
  if (existing) {
    const [membership] = await db
      .select({ role: memberships.role })
      .from(memberships)
      .where(and(eq(memberships.organizationId, organizationId), eq(memberships.userId, userId)))
      .limit(1);
    if (membership) throw new ApiError('member-exists', `${input.email} is already a member (${membership.role}).`);
  }
  const event = managementEvent(
    { ...context, now: at },
    {
      action: 'create',
      objectType: 'member',
      objectName: input.email,
      message: `Added ${input.email} as ${input.role}`,
      extra: { role: input.role, ...imported },
    },
  );
  await db.batch([
    db.insert(users).values({ id: userId, email: input.email, name: input.name, createdAt: at }).onConflictDoNothing(),
    db.insert(memberships).values({ organizationId, userId, role: input.role, createdAt: at }),
    ...(await recordChangeStatements(db, organizationId, [event], context.now)),
  ]);
  // An existing user keeps their name; report what is stored.
  return getMember(db, organizationId, userId);
}

/** Admins manage admins, members and ingest keys; only owners manage owners. */
function refuseUnlessGrantable(context: ChangeContext, role: Role): void {
  if (!mayGrant(context.role, role)) throw forbidden(`Your role (${context.role}) cannot manage ${role} members.`);
}

/** Matches the membership unless it is the organization's last owner (checked inside the statement). */
function notLastOwner(organizationId: string, userId: string) {
  return and(
    eq(memberships.organizationId, organizationId),
    eq(memberships.userId, userId),
    or(
      ne(memberships.role, 'owner'),
      sql`(SELECT count(*) FROM memberships WHERE organization_id = ${organizationId} AND role = 'owner') > 1`,
    ),
  );
}

async function ensureNotLastOwner(db: Database, organizationId: string, member: MemberView, change: string) {
  if (member.role !== 'owner') return;
  const owners = await db
    .select({ count: sql<number>`count(*)` })
    .from(memberships)
    .where(and(eq(memberships.organizationId, organizationId), eq(memberships.role, 'owner')));
  if ((owners[0]?.count ?? 0) <= 1) {
    throw new ApiError(
      'last-owner',
      `${member.email} is the last owner of the organization and cannot be ${change}. Make another member an owner first.`,
    );
  }
}

export async function changeMemberRole(
  db: Database,
  organizationId: string,
  userId: string,
  role: Role,
  context: ChangeContext,
): Promise<MemberView> {
  const member = await getMember(db, organizationId, userId);
  refuseUnlessGrantable(context, member.role);
  refuseUnlessGrantable(context, role);
  if (member.role === role) return member;
  if (role !== 'owner') await ensureNotLastOwner(db, organizationId, member, 'demoted');
  const event = managementEvent(context, {
    action: 'update',
    objectType: 'member',
    objectName: member.email,
    message: `Changed ${member.email} from ${member.role} to ${role}`,
    extra: { role: { from: member.role, to: role } },
  });
  const [update] = await db.batch([
    db.update(memberships).set({ role }).where(notLastOwner(organizationId, userId)),
    ...(await recordChangeStatements(db, organizationId, [event], context.now, { onlyIfPreviousChanged: true })),
  ]);
  if (update.meta.changes === 0) throw new ApiError('last-owner', `${member.email} is the last owner of the organization.`);
  return { ...member, role };
}

export async function removeMember(db: Database, organizationId: string, userId: string, context: ChangeContext): Promise<MemberView> {
  const member = await getMember(db, organizationId, userId);
  refuseUnlessGrantable(context, member.role);
  await ensureNotLastOwner(db, organizationId, member, 'removed');
  const event = managementEvent(context, {
    action: 'delete',
    objectType: 'member',
    objectName: member.email,
    message: `Removed ${member.email} (${member.role})`,
    extra: { role: member.role },
  });
  const [removal] = await db.batch([
    db.delete(memberships).where(notLastOwner(organizationId, userId)),
    ...(await recordChangeStatements(db, organizationId, [event], context.now, { onlyIfPreviousChanged: true })),
    ...(await revokeLeaverKeysStatements(db, organizationId, userId, context)),
  ]);
  if (removal.meta.changes === 0) throw new ApiError('last-owner', `${member.email} is the last owner of the organization.`);
  return member;
}
