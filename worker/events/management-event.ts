import type { Principal } from '../auth/principal.ts';
import { newUlid } from '../db/ids.ts';
import type { KeyRole } from '../db/schema.ts';
import { forbidden, invalidField } from '../errors.ts';
import type { NewAuditEvent } from './event-shape.ts';

/** Who makes a change, from where and when: every management service takes one. */
export interface ChangeContext {
  /** Recorded as the actor of the change's audit event. */
  principal: Principal;
  /** The caller's role in the organization: what it may grant or take away. */
  role: KeyRole;
  ip: string | null;
  now: number;
}

export interface ManagementChange {
  action: 'create' | 'update' | 'delete' | 'export' | 'download' | 'redeliver' | 'accept' | 'sign_in' | 'sign_in_failed' | 'sign_out';
  objectType: string;
  objectName: string;
  instanceId?: string | null;
  message: string;
  /** Extra structured details, e.g. { role: { from, to } }. */
  extra?: Record<string, unknown>;
}

/** The audit event that records a change this service made itself. */
export function managementEvent(
  context: { principal: { actor: Principal['actor']; credential: Principal['credential'] | null }; ip: string | null; now: number },
  change: ManagementChange,
): NewAuditEvent {
  return {
    id: newUlid(context.now),
    instanceId: change.instanceId ?? null,
    timestamp: context.now,
    action: change.action,
    actor: { type: context.principal.actor.type, id: context.principal.actor.id, ip: context.ip },
    object: { type: change.objectType, id: { name: change.objectName } },
    details: { message: change.message, ...change.extra },
    source: 'platform',
    sourceKeyId: null,
    credential: context.principal.credential,
  };
}

/**
 * An operator importing history dates a change in the past: its event is dated `at`, and its details
 * say when it was really recorded, so nothing passes for having happened then unnoticed. Only the
 * platform admin token may; `at` is never in the future nor before `notBefore`.
 */
export function importedChange(
  context: ChangeContext | { principal: Principal; ip: string | null; now: number },
  createdAt: string | undefined,
  notBefore = 0,
): { at: number; extra: Record<string, unknown> } {
  if (createdAt === undefined) return { at: context.now, extra: {} };
  if (context.principal.kind !== 'platform-admin')
    throw forbidden('Only the platform admin token may date a change in the past (createdAt).');
  const at = Date.parse(createdAt);
  if (at > context.now) throw invalidField('createdAt', 'createdAt is in the future.');
  if (at < notBefore)
    throw invalidField('createdAt', `createdAt is before the organization was created (${new Date(notBefore).toISOString()}).`);
  return { at, extra: { recordedAt: new Date(context.now).toISOString() } };
}
