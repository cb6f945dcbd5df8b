import type { Principal } from '../auth/principal';
import { newUlid } from '../db/ids';
import type { NewAuditEvent } from './event-shape';

export interface ManagementChange {
  action: 'create' | 'update' | 'delete' | 'export' | 'download';
  objectType: string;
  objectName: string;
  instanceId?: string | null;
  message: string;
  /** Extra structured details, e.g. { role: { from, to } }. */
  extra?: Record<string, unknown>;
}

/** The audit event that records a change made through the management API. */
export function managementEvent(
  principal: Pick<Principal, 'actor'>,
  ip: string | null,
  change: ManagementChange,
  now: number,
): NewAuditEvent {
  return {
    id: newUlid(now),
    instanceId: change.instanceId ?? null,
    timestamp: now,
    action: change.action,
    actor: { type: principal.actor.type, id: principal.actor.id, ip },
    object: { type: change.objectType, id: { name: change.objectName } },
    details: { message: change.message, ...change.extra },
  };
}
