/** The pieces every OCSF class toOcsf writes shares: who, from where, and the metadata. */
import type { AuditEvent } from '../contract/audit-event.ts';
import type { OcsfActor, OcsfEndpoint, OcsfMetadata, OcsfUser } from './ocsf-types.ts';

/** The schema version the mapping follows (test/fixtures/ocsf-required.json is extracted from it). */
const OCSF_VERSION = '1.8.0';
/** Also the name the Splunk and Datadog envelopes give the source (docs/STREAMS.md). */
export const PRODUCT_NAME = 'audit-logs';

const EMAIL = /^[^@\s]+@[^@\s]+$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
/** ip_t's max_len in the schema's dictionary. */
const IP_MAX_LENGTH = 40;

/** IPv6 is checked by the URL parser, which knows every legal spelling (::, embedded IPv4, …). */
function isIpv6(text: string): boolean {
  if (!/^[0-9a-fA-F:.]+$/.test(text) || !text.includes(':')) return false;
  try {
    new URL(`http://[${text}]/`);
    return true;
  } catch {
    return false;
  }
}

function isIpAddress(text: string): boolean {
  return text.length <= IP_MAX_LENGTH && (IPV4.test(text) || isIpv6(text));
}

const USER_TYPES: Record<string, Pick<OcsfUser, 'type_id' | 'type'>> = {
  user: { type_id: 1, type: 'User' },
  // An API key is an actor only when it is no person's (a service key).
  api_key: { type_id: 4, type: 'Service' },
  system: { type_id: 3, type: 'System' },
};

/** A user of OCSF from an id and our type of it; email_addr only when the id is an address. */
export function ocsfUser(type: string, id: string, credentialUid?: string): OcsfUser {
  const kind = Object.hasOwn(USER_TYPES, type) ? USER_TYPES[type] : undefined;
  return {
    uid: id,
    name: id,
    ...(EMAIL.test(id) ? { email_addr: id } : {}),
    ...(kind ?? (type === '' ? { type_id: 0, type: 'Unknown' } : { type_id: 99, type })),
    ...(credentialUid === undefined ? {} : { credential_uid: credentialUid }),
  };
}

/** API keys and the admin token are the user's credential; every other credential is a session. */
export function ocsfActor(event: AuditEvent): OcsfActor {
  const credential = event.credential;
  const isKey = credential !== null && (credential.type === 'api_key' || credential.type === 'admin_token');
  return {
    user: ocsfUser(event.actor.type, event.actor.id, isKey ? credential.id : undefined),
    ...(credential !== null && !isKey ? { session: { uid: credential.id } } : {}),
  };
}

/** The schema wants an endpoint with at least one of ip, name, …: without an address, its name says so. */
export function ocsfSourceEndpoint(ip: string): OcsfEndpoint {
  if (isIpAddress(ip)) return { ip };
  return { name: ip === '' ? 'unknown' : ip };
}

export function ocsfMetadata(event: AuditEvent): OcsfMetadata {
  return {
    version: OCSF_VERSION,
    product: { name: PRODUCT_NAME, vendor_name: PRODUCT_NAME },
    uid: event.id,
    tenant_uid: event.organizationId,
    sequence: event.sequence,
    original_time: event.timestamp,
    log_name: event.source,
  };
}

/** Epoch milliseconds; 0 for a timestamp that does not parse (the text stays in metadata.original_time). */
export function epochMilliseconds(timestamp: string): number {
  const time = Date.parse(timestamp);
  return Number.isFinite(time) ? time : 0;
}

/**
 * Our fields no OCSF attribute of the class carries, under their own names: provenance, the
 * instance, the credential's type, the details beyond the message (patch, actionType, extras) and
 * the event's contentHash.
 * Built by spreading, never by assigning computed keys, so a detail named "__proto__" stays data.
 */
export function unmapped(event: AuditEvent, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const { message: _message, ...details } = event.details;
  return {
    source: event.source,
    instanceId: event.instanceId,
    sourceKeyId: event.sourceKeyId,
    credential: event.credential,
    details,
    // Of our event as the API returns it (docs/INTEGRITY.md); OCSF 1.8.0 has no attribute for it.
    contentHash: event.contentHash,
    ...extra,
  };
}
