import { and, asc, eq, isNull } from 'drizzle-orm';
import type { Instance } from '../../contract/management.ts';
import type { Database } from '../../db/client.ts';
import { newId } from '../../db/ids.ts';
import { inJsonList } from '../../db/json-list.ts';
import { type InstanceType, instances } from '../../db/schema.ts';
import { ApiError, notFound } from '../../errors.ts';
import { type AuditLogFilters, type ResolvedFilters, withInstanceIds } from '../../events/filters.ts';
import { type ChangeContext, importedChange, managementEvent } from '../../events/management-event.ts';
import { recordChangeStatements } from '../event-store/index.ts';
import { getOrganization } from './organizations.ts';

export type InstanceView = Instance;

function view(row: typeof instances.$inferSelect): InstanceView {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return { id: row.id, type: row.type, name: row.name, createdAt: iso(row.createdAt) ?? '', deletedAt: iso(row.deletedAt) };
}

const live = (organizationId: string) => and(eq(instances.organizationId, organizationId), isNull(instances.deletedAt));

/** The organization's instances; deleted ones too when asked (their audit log stays readable). */
export async function listInstances(
  db: Database,
  organizationId: string,
  options: { type?: InstanceType | undefined; includeDeleted?: boolean } = {},
): Promise<InstanceView[]> {
  const scope = options.includeDeleted ? eq(instances.organizationId, organizationId) : live(organizationId);
  const rows = await db
    .select()
    .from(instances)
    .where(options.type ? and(scope, eq(instances.type, options.type)) : scope)
    .orderBy(asc(instances.type), asc(instances.name));
  return rows.map(view);
}

export async function instanceExists(db: Database, organizationId: string, instanceId: string): Promise<boolean> {
  const [row] = await db
    .select({ id: instances.id })
    .from(instances)
    .where(and(live(organizationId), eq(instances.id, instanceId)))
    .limit(1);
  return row !== undefined;
}

/** Whether the instance belongs to the organization, deleted or not (its history stays readable). */
export async function instanceEverExisted(db: Database, organizationId: string, instanceId: string): Promise<boolean> {
  const [row] = await db
    .select({ id: instances.id })
    .from(instances)
    .where(and(eq(instances.organizationId, organizationId), eq(instances.id, instanceId)))
    .limit(1);
  return row !== undefined;
}

/**
 * The filters with instance names (the search box's `instance:` and `-instance:`) resolved to the
 * organization's instances of that name, any type, deleted ones too: instances live in the main
 * database and events in the organization's shard, so the shard query gets ids (events/filters.ts).
 */
export async function resolveFilters(db: Database, organizationId: string, filters: AuditLogFilters): Promise<ResolvedFilters> {
  const names = [...new Set([...filters.instanceNames, ...filters.exclude.instanceNames])];
  const rows =
    names.length === 0
      ? []
      : await db
          .select({ id: instances.id, name: instances.name })
          .from(instances)
          .where(and(eq(instances.organizationId, organizationId), inJsonList(instances.name, names)));
  return withInstanceIds(filters, (wanted) => rows.filter((row) => wanted.includes(row.name)).map((row) => row.id));
}

/**
 * An instance of this organization, deleted ones too (with `deletedAt`, so its audit log stays
 * reachable), or 404 (another organization's instance is unknown here).
 */
export async function getInstance(db: Database, organizationId: string, instanceId: string): Promise<InstanceView> {
  const [row] = await db
    .select()
    .from(instances)
    .where(and(eq(instances.organizationId, organizationId), eq(instances.id, instanceId)))
    .limit(1);
  if (!row) throw notFound(`Instance ${instanceId} does not exist in organization ${organizationId}.`);
  return view(row);
}

export async function createInstance(
  db: Database,
  organizationId: string,
  input: { type: InstanceType; name: string; createdAt?: string | undefined },
  context: ChangeContext,
): Promise<InstanceView> {
  const notBefore = input.createdAt === undefined ? 0 : (await getOrganization(db, organizationId)).createdAt;
  const { at, extra: imported } = importedChange(context, input.createdAt, notBefore);
  const [clash] = await db
    .select({ id: instances.id })
    .from(instances)
    .where(and(live(organizationId), eq(instances.type, input.type), eq(instances.name, input.name)))
    .limit(1);
  if (clash) throw new ApiError('instance-exists', `A ${input.type} instance named "${input.name}" already exists.`);
  const row = { id: newId('inst'), organizationId, type: input.type, name: input.name, createdAt: at, deletedAt: null };
  const event = managementEvent(
    { ...context, now: at },
    {
      action: 'create',
      objectType: `${input.type}_instance`,
      objectName: input.name,
      instanceId: row.id,
      message: `Created ${input.type} instance ${input.name}`,
      extra: imported,
    },
  );
  await db.batch([db.insert(instances).values(row), ...(await recordChangeStatements(db, organizationId, [event], context.now))]);
  return view(row);
}

/** Soft delete: events that name the instance keep a valid reference. */
export async function deleteInstance(db: Database, organizationId: string, instanceId: string, context: ChangeContext) {
  const instance = await getInstance(db, organizationId, instanceId);
  if (instance.deletedAt !== null) throw notFound(`Instance ${instanceId} was already deleted.`);
  const event = managementEvent(context, {
    action: 'delete',
    objectType: `${instance.type}_instance`,
    objectName: instance.name,
    instanceId,
    message: `Deleted ${instance.type} instance ${instance.name}`,
  });
  await db.batch([
    db
      .update(instances)
      .set({ deletedAt: context.now })
      .where(and(live(organizationId), eq(instances.id, instanceId))),
    ...(await recordChangeStatements(db, organizationId, [event], context.now, { onlyIfPreviousChanged: true })),
  ]);
}
