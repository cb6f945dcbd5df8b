import { eq } from 'drizzle-orm';
import { grantFor, type Principal } from '../../auth/principal.ts';
import type { AuditRecords, ExtensionFilters } from '../../contract/extension.ts';
import { GROUP_FLAG_FIELDS, GROUP_TEXT_FIELD_NAMES, OBJECT_GROUP_NAMES } from '../../contract/object-groups.ts';
import type { FilterQueryValues } from '../../contract/query.ts';
import type { Database } from '../../db/client.ts';
import { type InstanceType, instances, type KeyRole } from '../../db/schema.ts';
import { forbidden, invalidField, notFound } from '../../errors.ts';
import { toFilters } from '../../events/filters.ts';
import { resolveFilters } from '../organizations/index.ts';
import { queryAuditLogs } from './audit-logs.ts';

export interface AuditRecordsRequest {
  caller: Principal;
  /** Roles that may read audit records. */
  readers: readonly KeyRole[];
  instanceId: string;
  instanceType: InstanceType;
  filters: ExtensionFilters | undefined;
  /** Kargo only: the project whose records to read. */
  projectName: string | null;
}

/** Akuity's JSON filters in the shape of the query parameters, so both go through one toFilters. */
function asQueryValues(filters: ExtensionFilters): FilterQueryValues {
  const values: Record<string, unknown> = {
    'filters.actorId': filters.actorId,
    'filters.actorType': filters.actorType,
    'filters.action': filters.action,
    'filters.startTime': filters.startTime,
    'filters.endTime': filters.endTime,
  };
  for (const group of OBJECT_GROUP_NAMES) {
    const groupFilter = filters[group];
    if (!groupFilter) continue;
    for (const field of [...GROUP_TEXT_FIELD_NAMES, ...GROUP_FLAG_FIELDS]) values[`filters.${group}.${field}`] = groupFilter[field];
  }
  return values as FilterQueryValues;
}

/**
 * The audit records the Argo CD and Kargo UI extensions show: one instance's events (and, for
 * Kargo, one project's), with Akuity's filters. An instance the caller cannot read audit logs of
 * in any organization of theirs is "not found", whether it exists or not.
 */
export async function auditRecordsForInstance(
  control: Database,
  shardDbFor: (organizationId: string) => Promise<Database>,
  request: AuditRecordsRequest,
): Promise<AuditRecords> {
  const [instance] = await control.select().from(instances).where(eq(instances.id, request.instanceId)).limit(1);
  const grant = instance ? grantFor(request.caller, instance.organizationId) : null;
  if (!instance || !grant) throw notFound(`Instance ${request.instanceId} does not exist in any of your organizations.`);
  if (!request.readers.includes(grant.role)) {
    throw forbidden(`Reading audit records requires one of the roles ${request.readers.join(', ')}; your role here is ${grant.role}.`);
  }
  if (instance.type !== request.instanceType) {
    throw invalidField('instanceId', `Instance ${request.instanceId} is a ${instance.type} instance, not ${request.instanceType}.`);
  }
  const filters = request.filters ?? {};
  const resolved = await resolveFilters(control, instance.organizationId, toFilters(asQueryValues(filters)));
  const page = await queryAuditLogs(
    await shardDbFor(instance.organizationId),
    instance.organizationId,
    { ...resolved, instanceId: instance.id, kargoProject: request.projectName },
    { limit: filters.limit ?? 50, offset: filters.offset ?? 0, cursor: null },
  );
  return { items: page.items, totalCount: page.totalCount };
}
