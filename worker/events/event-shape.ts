import type { AuditEvent, AuditEventContent } from '../contract/audit-event.ts';
import type { CredentialType } from '../contract/enums.ts';
import { LONE_SURROGATE } from '../contract/strict-json.ts';
import type { AuditEventRow, EventSource } from '../db/schema.ts';
import { contentHashOf } from './content-hash.ts';

export type { AuditEvent } from '../contract/audit-event.ts';

/** An event ready to store: everything but the organization, receipt time, hash and sequence. */
export interface NewAuditEvent {
  id: string;
  instanceId: string | null;
  timestamp: number;
  action: string;
  actor: { type: string; id: string; ip?: string | null };
  object: {
    type: string;
    id: { name: string; kind?: string | null; group?: string | null; namespace?: string | null };
    parentId?: {
      name?: string | null;
      parentName?: string | null;
      applicationName?: string | null;
      kargoProjectName?: string | null;
    } | null;
  };
  details?: { message?: string | null; patch?: string | null; actionType?: string | null; [extra: string]: unknown } | null;
  /** Provenance, set by the service: who recorded the event (never taken from a client). */
  source: EventSource;
  sourceKeyId: string | null;
  /** How the actor authenticated (set by the service; null for what the service does on its own). */
  credential: { type: string; id: string } | null;
}

/** The columns that say what happened (no organization key, receipt time, hash, provenance or sequence). */
export type ContentColumns = Omit<
  AuditEventRow,
  'orgKey' | 'receivedAt' | 'contentHash' | 'source' | 'sourceKeyId' | 'sequence' | 'credentialType' | 'credentialId'
>;

/** A stored row as the API shows it (the organization comes from the request, not the row). */
export type EventColumns = Omit<AuditEventRow, 'orgKey' | 'receivedAt' | 'contentHash'>;

/** Sorts object keys recursively so equal content always serialises to equal bytes. */
export function canonicalize(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonicalize);
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return Object.fromEntries(entries.map(([key, inner]) => [key, canonicalize(inner)]));
  }
  return value;
}

const emptyToNull = (value: string | null | undefined): string | null => (value ? value : null);

export function toColumns(event: NewAuditEvent): ContentColumns {
  const { message, patch, actionType, ...extra } = event.details ?? {};
  return {
    id: event.id,
    instanceId: event.instanceId,
    timestamp: event.timestamp,
    action: event.action,
    actorType: event.actor.type,
    actorId: event.actor.id,
    actorIp: emptyToNull(event.actor.ip),
    objectType: event.object.type,
    objectName: event.object.id.name,
    objectKind: emptyToNull(event.object.id.kind),
    objectGroup: emptyToNull(event.object.id.group),
    objectNamespace: emptyToNull(event.object.id.namespace),
    parentName: emptyToNull(event.object.parentId?.name),
    parentParentName: emptyToNull(event.object.parentId?.parentName),
    parentApplicationName: emptyToNull(event.object.parentId?.applicationName),
    parentKargoProjectName: emptyToNull(event.object.parentId?.kargoProjectName),
    detailsMessage: emptyToNull(message as string | null | undefined),
    detailsPatch: emptyToNull(patch as string | null | undefined),
    detailsActionType: emptyToNull(actionType as string | null | undefined),
    detailsJson: Object.keys(extra).length > 0 ? JSON.stringify(canonicalize(extra)) : null,
  };
}

/**
 * Columns → what the event says, in the API's key order. This is what the idempotency hash covers:
 * the service-assigned fields are left out, so a retry matches whichever key sends it.
 */
export function toEventContent(organizationId: string, row: ContentColumns): AuditEventContent {
  const timestamp = new Date(row.timestamp).toISOString();
  const extra = row.detailsJson ? (JSON.parse(row.detailsJson) as Record<string, unknown>) : {};
  return {
    id: row.id,
    organizationId,
    instanceId: row.instanceId,
    timestamp,
    action: row.action,
    actor: { type: row.actorType, id: row.actorId, ip: row.actorIp ?? '' },
    object: {
      type: row.objectType,
      // The optional extension fields appear only when set, so events stored before they existed
      // keep their content hash.
      id: {
        name: row.objectName,
        kind: row.objectKind ?? '',
        group: row.objectGroup ?? '',
        ...(row.objectNamespace ? { namespace: row.objectNamespace } : {}),
      },
      parentId: {
        name: row.parentName ?? '',
        parentName: row.parentParentName ?? '',
        applicationName: row.parentApplicationName ?? '',
        ...(row.parentKargoProjectName ? { kargoProjectName: row.parentKargoProjectName } : {}),
      },
    },
    details: {
      message: row.detailsMessage ?? '',
      patch: row.detailsPatch ?? '',
      actionType: row.detailsActionType ?? '',
      ...extra,
    },
    count: 1,
    lastOccurredTimestamp: timestamp,
  };
}

/**
 * Row → API shape. Key order is fixed here, which makes JSON.stringify of it canonical. The
 * `contentHash` (last) is recomputed from the columns every time, never read from storage
 * (events/content-hash.ts, docs/INTEGRITY.md): a changed column changes it.
 */
export function toEvent(organizationId: string, row: EventColumns): AuditEvent {
  const event = {
    ...toEventContent(organizationId, row),
    source: row.source,
    sourceKeyId: row.sourceKeyId,
    credential: eventCredential(row),
    sequence: row.sequence,
  };
  return { ...event, contentHash: storedContentHash(event) };
}

const LONE_SURROGATES = new RegExp(LONE_SURROGATE.source, 'g');

/** A JSON value with every lone surrogate replaced by U+FFFD, as D1 (UTF-8) stores it. */
function wellFormed(value: unknown): unknown {
  if (typeof value === 'string') return value.replace(LONE_SURROGATES, '\ufffd');
  if (Array.isArray(value)) return value.map(wellFormed);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [wellFormed(key), wellFormed(inner)]));
  }
  return value;
}

/**
 * contentHashOf the event. RFC 8785 has no form for a lone surrogate, and D1 stores one as U+FFFD,
 * so an event read back never holds one; an event shaped in memory that does (tests of hostile
 * text) is hashed as it would be stored, rather than making every read path throw.
 */
export function storedContentHash(event: object): string {
  try {
    return contentHashOf(event);
  } catch (error) {
    if (!(error instanceof Error) || !/surrogate/i.test(error.message)) throw error;
    return contentHashOf(wellFormed(event) as object);
  }
}

/** The stored credential columns as the event's `credential` (null when none was recorded). */
function eventCredential(row: EventColumns): AuditEvent['credential'] {
  if (row.credentialType === null || row.credentialId === null) return null;
  return { type: row.credentialType as CredentialType, id: row.credentialId };
}

/** The text fields free-text search looks at. */
export function searchableFields(row: ContentColumns): (string | null)[] {
  return [
    row.action,
    row.actorId,
    row.objectType,
    row.objectName,
    row.parentName,
    row.parentParentName,
    row.parentApplicationName,
    row.objectNamespace,
    row.parentKargoProjectName,
    row.detailsMessage,
    row.detailsPatch,
  ];
}
