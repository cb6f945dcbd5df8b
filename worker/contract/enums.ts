/** Value sets shared by the API schemas and the database schema. */
export const ROLES = ['owner', 'admin', 'auditor', 'member'] as const;
export const KEY_ROLES = ['owner', 'admin', 'auditor', 'member', 'ingest'] as const;
export const INSTANCE_TYPES = ['argocd', 'kargo'] as const;
export type Role = (typeof ROLES)[number];
export type KeyRole = (typeof KEY_ROLES)[number];
export type InstanceType = (typeof INSTANCE_TYPES)[number];
/** How a dashboard session was started; only api_key exists yet, the others come with passkeys, SSO and Access. */
export const SESSION_METHODS = ['api_key', 'passkey', 'sso', 'access'] as const;
export const EVENT_SOURCES = ['platform', 'ingest'] as const;
export type EventSource = (typeof EVENT_SOURCES)[number];
/** How each source is stored (db/schema/shard.ts, audit_events.source): never renumber, only add. */
export const SOURCE_CODES = { ingest: 0, platform: 1 } as const satisfies Record<EventSource, number>;
export const FACETS = ['actorId', 'action', 'objectType'] as const;
export type Facet = (typeof FACETS)[number];
