/**
 * The OCSF 1.8.0 shapes toOcsf writes: only the attributes we fill, named as the schema names
 * them (snake_case). test/fixtures/ocsf-required.json, extracted from the schema, is what the tests
 * hold these to; docs/STREAMS.md ("OCSF") tables where each comes from.
 */

export interface OcsfUser {
  uid: string;
  name: string;
  /** Only when the id is an email address (email_t). */
  email_addr?: string;
  /** 0 Unknown, 1 User, 3 System, 4 Service, 99 Other (with `type` saying what). */
  type_id: 0 | 1 | 3 | 4 | 99;
  type: string;
  /** The API key id (or `admin` for the admin token) the user acted with: never a secret. */
  credential_uid?: string;
}

export interface OcsfActor {
  user: OcsfUser;
  /** The dashboard session the actor acted in, when the credential is one. */
  session?: { uid: string };
}

/** src_endpoint: the address when it is one, else a name, since the schema wants at least one. */
export type OcsfEndpoint = { ip: string } | { name: string };

export interface OcsfMetadata {
  version: string;
  product: { name: string; vendor_name: string };
  /** Our event id: a receiver deduplicates on it (or on sequence). */
  uid: string;
  /** The organization. */
  tenant_uid: string;
  /** Per organization 1, 2, 3, …: the stream delivers in this order. */
  sequence: number;
  /** The event's timestamp as we store it (RFC 3339). */
  original_time: string;
  /** `platform` (recorded by the service) or `ingest` (sent to it). */
  log_name: string;
}

interface OcsfCommon {
  category_name: string;
  class_name: string;
  activity_id: number;
  activity_name: string;
  type_uid: number;
  type_name: string;
  /** 1 Informational, 2 Low (a failed sign-in). */
  severity_id: 1 | 2;
  severity: string;
  /** 1 Success, 2 Failure. */
  status_id: 1 | 2;
  status: string;
  status_detail?: string;
  /** Epoch milliseconds, UTC. */
  time: number;
  timezone_offset: 0;
  message: string;
  metadata: OcsfMetadata;
  actor: OcsfActor;
  src_endpoint: OcsfEndpoint;
  /** What of our event has no OCSF attribute: provenance, instance, the details beyond the message. */
  unmapped: Record<string, unknown>;
}

export interface OcsfResource {
  type: string;
  name: string;
  namespace?: string;
  /** Kubernetes kind and group, and the object's parents, as our event has them. */
  data?: Record<string, unknown>;
}

export interface OcsfApiActivity extends OcsfCommon {
  class_uid: 6003;
  category_uid: 6;
  api: { operation: string };
  resources: OcsfResource[];
}

export interface OcsfAccountChange extends OcsfCommon {
  class_uid: 3001;
  category_uid: 3;
  /** The member or API key that was changed. */
  user: OcsfUser;
}

export interface OcsfAuthentication extends OcsfCommon {
  class_uid: 3002;
  category_uid: 3;
  /** Who signed in or out (or claimed to, for a failure). */
  user: OcsfUser;
  /** This service: what was signed in to. */
  service: { name: string };
  session?: { uid: string };
  is_remote: true;
  auth_protocol_id?: 0 | 4 | 99;
  auth_protocol?: string;
}

export type OcsfEvent = OcsfApiActivity | OcsfAccountChange | OcsfAuthentication;
