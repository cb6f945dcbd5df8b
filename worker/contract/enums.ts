/** Value sets shared by the API schemas and the database schema. */
export const ROLES = ['owner', 'admin', 'auditor', 'member'] as const;
export const KEY_ROLES = ['owner', 'admin', 'auditor', 'member', 'ingest'] as const;
export const INSTANCE_TYPES = ['argocd', 'kargo'] as const;
export type Role = (typeof ROLES)[number];
export type KeyRole = (typeof KEY_ROLES)[number];
export type InstanceType = (typeof INSTANCE_TYPES)[number];
/** How a dashboard session was started (`link`: a one-time sign-in link, which only the platform admin token can make). */
export const SESSION_METHODS = ['api_key', 'passkey', 'sso', 'access', 'link'] as const;
export type SessionMethod = (typeof SESSION_METHODS)[number];
/** Personal keys act for their creator; service keys belong to the organization (docs/API.md, "API keys"). */
export const KEY_KINDS = ['personal', 'service'] as const;
export type KeyKind = (typeof KEY_KINDS)[number];
/** How an event's actor authenticated (the event's `credential.type`). */
export const CREDENTIAL_TYPES = ['api_key', 'session', 'sso', 'passkey', 'access', 'admin_token'] as const;
export type CredentialType = (typeof CREDENTIAL_TYPES)[number];
export const EVENT_SOURCES = ['platform', 'ingest'] as const;
export type EventSource = (typeof EVENT_SOURCES)[number];
/** How each source is stored (db/schema/shard.ts, audit_events.source): never renumber, only add. */
export const SOURCE_CODES = { ingest: 0, platform: 1 } as const satisfies Record<EventSource, number>;
export const FACETS = ['actorId', 'action', 'objectType'] as const;
export type Facet = (typeof FACETS)[number];
