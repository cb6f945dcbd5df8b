/**
 * A stream's `format: "ocsf"` (docs/STREAMS.md): each event as an OCSF 1.8.0 object. Sign-ins and
 * sign-outs are Authentication (3002), changes of members and API keys Account Change (3001),
 * everything else API Activity (6003). docs/STREAMS.md ("OCSF") tables the mapping and why.
 * Pure and total: any event the contract allows, hostile text included, maps without throwing.
 */
import type { AuditEvent } from '../contract/audit-event.ts';
import { type Activity, accountActivity, apiActivity, authenticationActivity } from './ocsf-activities.ts';
import { epochMilliseconds, ocsfActor, ocsfMetadata, ocsfSourceEndpoint, ocsfUser, PRODUCT_NAME, unmapped } from './ocsf-parts.ts';
import type { OcsfAccountChange, OcsfApiActivity, OcsfAuthentication, OcsfEvent, OcsfResource } from './ocsf-types.ts';

export type { OcsfEvent } from './ocsf-types.ts';

const CLASSES = {
  api: { class_uid: 6003, class_name: 'API Activity', category_uid: 6, category_name: 'Application Activity' },
  account: { class_uid: 3001, class_name: 'Account Change', category_uid: 3, category_name: 'Identity & Access Management' },
  authentication: { class_uid: 3002, class_name: 'Authentication', category_uid: 3, category_name: 'Identity & Access Management' },
} as const;

/** How each way of signing in (details.method of our sign-in events) reads as an auth protocol. */
const PROTOCOLS: Record<string, Pick<OcsfAuthentication, 'auth_protocol_id' | 'auth_protocol'>> = {
  sso: { auth_protocol_id: 4, auth_protocol: 'OpenID' },
  passkey: { auth_protocol_id: 99, auth_protocol: 'WebAuthn' },
  api_key: { auth_protocol_id: 99, auth_protocol: 'API key' },
  access: { auth_protocol_id: 99, auth_protocol: 'Cloudflare Access' },
  link: { auth_protocol_id: 99, auth_protocol: 'One-time sign-in link' },
};

/** What every class has: classification, outcome, time, who and from where. */
function common(event: AuditEvent, kind: keyof typeof CLASSES, activity: Activity, failed: boolean) {
  const ocsfClass = CLASSES[kind];
  const message = event.details.message;
  return {
    ...ocsfClass,
    activity_id: activity.id,
    activity_name: activity.name,
    type_uid: ocsfClass.class_uid * 100 + activity.id,
    type_name: `${ocsfClass.class_name}: ${activity.name}`,
    severity_id: failed ? (2 as const) : (1 as const),
    severity: failed ? 'Low' : 'Informational',
    status_id: failed ? (2 as const) : (1 as const),
    status: failed ? 'Failure' : 'Success',
    time: epochMilliseconds(event.timestamp),
    timezone_offset: 0 as const,
    message: typeof message === 'string' && message !== '' ? message : `${event.action} ${event.object.type} ${event.object.id.name}`,
    metadata: ocsfMetadata(event),
    actor: ocsfActor(event),
    src_endpoint: ocsfSourceEndpoint(event.actor.ip),
  };
}

/** Only what is set: an empty kind or group says nothing. */
function resourceOf(event: AuditEvent): OcsfResource {
  const { name, kind, group, namespace } = event.object.id;
  const parent = Object.entries(event.object.parentId).filter(([, value]) => value !== '' && value !== undefined);
  const data = {
    ...(kind !== '' ? { kind } : {}),
    ...(group !== '' ? { group } : {}),
    ...(parent.length > 0 ? { parentId: Object.fromEntries(parent) } : {}),
  };
  return {
    type: event.object.type,
    name,
    ...(namespace ? { namespace } : {}),
    ...(Object.keys(data).length > 0 ? { data } : {}),
  };
}

function authentication(event: AuditEvent, activity: Activity): OcsfAuthentication {
  const failed = event.action === 'sign_in_failed';
  const method = event.details.method;
  const reason = event.details.reason;
  return {
    ...common(event, 'authentication', activity, failed),
    class_uid: 3002,
    category_uid: 3,
    ...(failed && typeof reason === 'string' ? { status_detail: reason } : {}),
    user: ocsfUser(event.actor.type, event.actor.id),
    service: { name: PRODUCT_NAME },
    // A failed attempt has no session: its object names who tried.
    ...(failed ? {} : { session: { uid: event.object.id.name } }),
    is_remote: true,
    ...(typeof method === 'string' && Object.hasOwn(PROTOCOLS, method) ? PROTOCOLS[method] : {}),
    unmapped: unmapped(event),
  };
}

function accountChange(event: AuditEvent): OcsfAccountChange {
  const keyId = event.details.keyId;
  const isKey = event.object.type === 'api_key';
  const name = event.object.id.name;
  return {
    ...common(event, 'account', accountActivity(event.action), false),
    class_uid: 3001,
    category_uid: 3,
    // A member is named by their email; a key by its name, with its id as the credential.
    user: isKey
      ? { ...ocsfUser('api_key', name), ...(typeof keyId === 'string' ? { uid: keyId, credential_uid: keyId } : {}) }
      : ocsfUser('user', name),
    unmapped: unmapped(event, { object: event.object }),
  };
}

function apiActivityOf(event: AuditEvent): OcsfApiActivity {
  return {
    ...common(event, 'api', apiActivity(event.action), false),
    class_uid: 6003,
    category_uid: 6,
    api: { operation: event.action },
    resources: [resourceOf(event)],
    unmapped: unmapped(event),
  };
}

/** Our audit event as the OCSF event a SIEM expects. */
export function toOcsf(event: AuditEvent): OcsfEvent {
  const signIn = event.object.type === 'session' ? authenticationActivity(event.action) : null;
  if (signIn) return authentication(event, signIn);
  if (event.object.type === 'member' || event.object.type === 'api_key') return accountChange(event);
  return apiActivityOf(event);
}
