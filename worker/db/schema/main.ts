/**
 * The main database's tables: control data (organizations, their members, keys, sessions,
 * instances, settings and webhooks) and the outbox of events about it. Every D1 database gets
 * every migration, but only the main one (the DB binding) holds rows of these; the organization's
 * events live in its shard (shard.ts, docs/ARCHITECTURE.md "Shards").
 */
import { sql } from 'drizzle-orm';
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { INSTANCE_TYPES, KEY_KINDS, KEY_ROLES, ROLES, SESSION_METHODS } from '../../contract/enums.ts';
import { millis } from './columns.ts';

export const organizations = sqliteTable('organizations', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  createdAt: millis('created_at').notNull(),
  // The D1 binding that holds the organization's events, counters, archives and deliveries
  // (db/shards.ts). Organizations from before shards existed keep theirs in the main database.
  shard: text('shard').notNull().default('DB'),
});

/**
 * Events of the service's own about control data, written in the same transaction as the change
 * they record (a change and its event commit together or not at all), then moved into the
 * organization's shard (services/event-store/pending-events.ts): right after the request, or by the cron.
 */
export const pendingEvents = sqliteTable(
  'pending_events',
  {
    position: integer('position').primaryKey({ autoIncrement: true }),
    organizationId: text('organization_id').notNull(),
    receivedAt: millis('received_at').notNull(),
    // The event (events/event-shape.ts, NewAuditEvent) as JSON.
    event: text('event').notNull(),
  },
  (table) => [index('pending_events_organization').on(table.organizationId, table.position)],
);

export const instances = sqliteTable(
  'instances',
  {
    id: text('id').primaryKey(),
    organizationId: text('organization_id')
      .notNull()
      .references(() => organizations.id),
    type: text('type', { enum: INSTANCE_TYPES }).notNull(),
    name: text('name').notNull(),
    createdAt: millis('created_at').notNull(),
    // Soft delete: audit events keep pointing at deleted instances, so the row stays.
    deletedAt: millis('deleted_at'),
  },
  (table) => [
    uniqueIndex('instances_org_type_name_live').on(table.organizationId, table.type, table.name).where(sql`${table.deletedAt} IS NULL`),
  ],
);

export const users = sqliteTable('users', {
  id: text('id').primaryKey(),
  email: text('email').notNull().unique(),
  name: text('name').notNull(),
  createdAt: millis('created_at').notNull(),
});

export const memberships = sqliteTable(
  'memberships',
  {
    organizationId: text('organization_id')
      .notNull()
      .references(() => organizations.id),
    userId: text('user_id')
      .notNull()
      .references(() => users.id),
    role: text('role', { enum: ROLES }).notNull(),
    createdAt: millis('created_at').notNull(),
  },
  (table) => [primaryKey({ columns: [table.organizationId, table.userId] }), index('memberships_user').on(table.userId)],
);

export const apiKeys = sqliteTable(
  'api_keys',
  {
    id: text('id').primaryKey(),
    organizationId: text('organization_id')
      .notNull()
      .references(() => organizations.id),
    // The user the key acts for (its creator); null for keys made by the platform admin.
    userId: text('user_id').references(() => users.id),
    name: text('name').notNull(),
    role: text('role', { enum: KEY_ROLES }).notNull(),
    // personal: acts for its creator, never above their current role, dies with their membership;
    // service: belongs to the organization, acts as itself (actor api_key), cannot sign in.
    kind: text('kind', { enum: KEY_KINDS }).notNull().default('personal'),
    instanceId: text('instance_id').references(() => instances.id),
    // Only the SHA-256 of the secret is stored; the secret is shown once.
    secretHash: text('secret_hash').notNull().unique(),
    prefix: text('prefix').notNull(),
    createdAt: millis('created_at').notNull(),
    lastUsedAt: millis('last_used_at'),
    expiresAt: millis('expires_at'),
    revokedAt: millis('revoked_at'),
  },
  // api_keys_user: a person's sessions are found through the keys they started with (GET /me/sessions).
  (table) => [index('api_keys_org').on(table.organizationId, table.createdAt), index('api_keys_user').on(table.userId)],
);

export const sessions = sqliteTable(
  'sessions',
  {
    // SHA-256 of the cookie token: a database leak does not hand out live sessions.
    tokenHash: text('token_hash').primaryKey(),
    // The person the session is for (every key it holds is theirs).
    userId: text('user_id').references(() => users.id),
    // The key an API-key sign-in started it with; null for passkey, SSO and Access sign-ins.
    apiKeyId: text('api_key_id').references(() => apiKeys.id),
    // The public id (ses_<ulid>) the session list shows and ends sessions by; never the token hash.
    // Null only for sessions from before it existed (backfilled by the migration).
    id: text('id'),
    // How it was started. api_key: the session holds the keys it signed in with (session_keys) and
    // acts through them; passkey, sso, access: the person proved who they are, and the session acts
    // with their memberships (current roles), except in organizations that enforce SSO.
    method: text('method', { enum: SESSION_METHODS }).notNull().default('api_key'),
    // JSON array of the organizations this session signed in to through their SSO: the only
    // organizations with enforceSso it reaches.
    ssoOrganizationIds: text('sso_organization_ids').notNull().default('[]'),
    createdAt: millis('created_at').notNull(),
    // The absolute end (created + 7 days); the idle timeout runs from last_used_at.
    expiresAt: millis('expires_at').notNull(),
    // Refreshed at most once a minute (services/access/sessions.ts) to keep requests cheap.
    lastUsedAt: millis('last_used_at'),
    userAgent: text('user_agent'),
    // As the client connected (cf-connecting-ip), as text: shown to its owner only.
    ip: text('ip'),
  },
  (table) => [
    index('sessions_api_key').on(table.apiKeyId),
    uniqueIndex('sessions_id').on(table.id),
    index('sessions_user').on(table.userId),
  ],
);

/**
 * The keys a session acts with: one per organization the user signed in to. A key acts in its own
 * organization only, on every transport (Bearer, Basic, session); signing in with the key of
 * another organization adds it here, so one dashboard session can switch between them.
 */
export const sessionKeys = sqliteTable(
  'session_keys',
  {
    tokenHash: text('token_hash')
      .notNull()
      .references(() => sessions.tokenHash, { onDelete: 'cascade' }),
    apiKeyId: text('api_key_id')
      .notNull()
      .references(() => apiKeys.id),
    addedAt: millis('added_at').notNull(),
  },
  (table) => [primaryKey({ columns: [table.tokenHash, table.apiKeyId] }), index('session_keys_api_key').on(table.apiKeyId)],
);

/** Per-organization settings of the audit record (null: the deployment's default). */
export const organizationSettings = sqliteTable('organization_settings', {
  organizationId: text('organization_id')
    .primaryKey()
    .references(() => organizations.id),
  hotRetentionDays: integer('hot_retention_days'),
  archiveRetentionDays: integer('archive_retention_days').notNull().default(0),
  updatedAt: millis('updated_at').notNull(),
});

/**
 * Webhooks (Akuity notification configs). `dispatched_sequence` is the last event sequence of the
 * organization already turned into deliveries for this config; the dispatcher reads on from there
 * (docs/WEBHOOKS.md). `failing_since`/`paused_until` are the receiver's health: every attempt has
 * failed since then, and no attempt is made before `paused_until`.
 */
export const notificationConfigs = sqliteTable(
  'notification_configs',
  {
    id: text('id').primaryKey(),
    organizationId: text('organization_id')
      .notNull()
      .references(() => organizations.id),
    name: text('name').notNull(),
    url: text('url').notNull(),
    // AES-GCM under the WEBHOOK_SECRET_KEY secret, bound to the config id; never returned.
    secretCiphertext: text('secret_ciphertext').notNull(),
    active: integer('active', { mode: 'boolean' }).notNull(),
    // The filter object of the API, as JSON.
    filterJson: text('filter_json').notNull(),
    dispatchedSequence: integer('dispatched_sequence').notNull(),
    consecutiveFailures: integer('consecutive_failures').notNull().default(0),
    failingSince: millis('failing_since'),
    pausedUntil: millis('paused_until'),
    lastDeliveryId: text('last_delivery_id'),
    lastAttemptAt: millis('last_attempt_at'),
    createdAt: millis('created_at').notNull(),
    updatedAt: millis('updated_at').notNull(),
    // Soft delete: deliveries in flight find the config gone and stop.
    deletedAt: millis('deleted_at'),
  },
  (table) => [
    uniqueIndex('notification_configs_org_name_live').on(table.organizationId, table.name).where(sql`${table.deletedAt} IS NULL`),
    // The nudge after each write and the daily safety net look up active configs only.
    index('notification_configs_active').on(table.organizationId).where(sql`${table.active} = 1 AND ${table.deletedAt} IS NULL`),
  ],
);

export type ApiKeyRow = typeof apiKeys.$inferSelect;
export type NotificationConfigRow = typeof notificationConfigs.$inferSelect;
