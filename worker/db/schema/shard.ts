/**
 * An event shard's tables: each organization's events and what is kept beside them (week counts,
 * sequence counters, facet counts, archive records, webhook deliveries and their attempts). An
 * organization's rows are all in the shard named by organizations.shard (main.ts); organizations
 * from before shards use the main database (DB) as theirs.
 */
import { sql } from 'drizzle-orm';
import { blob, index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { FACETS } from '../../contract/enums.ts';
import { actorAddress, eventSource, millis } from './columns.ts';

/**
 * The events. Sized for many events per database (docs/ARCHITECTURE.md, "Storage"): the
 * organization is a small integer key (organization_sequences.org_key) rather than its text id,
 * index tails are timestamp and the implicit rowid rather than (timestamp, id), the content hash is 32 raw
 * bytes, and columns that are rarely filtered or dense (actor type, source) have no index of their
 * own or only a partial one. The view audit_events_by_organization shows rows with their text id.
 */
export const auditEvents = sqliteTable(
  'audit_events',
  {
    orgKey: integer('org_key').notNull(),
    // Per organization 1, 2, 3, … in commit order, assigned in the inserting statement itself.
    sequence: integer('sequence').notNull(),
    id: text('id').notNull(),
    instanceId: text('instance_id'),
    timestamp: millis('timestamp').notNull(),
    receivedAt: millis('received_at').notNull(),
    action: text('action').notNull(),
    actorType: text('actor_type').notNull(),
    actorId: text('actor_id').notNull(),
    actorIp: actorAddress('actor_ip'),
    objectType: text('object_type').notNull(),
    objectName: text('object_name').notNull(),
    objectKind: text('object_kind'),
    objectGroup: text('object_group'),
    // Optional extension fields: object.id.namespace and object.parentId.kargoProjectName.
    objectNamespace: text('object_namespace'),
    parentName: text('parent_name'),
    parentParentName: text('parent_parent_name'),
    parentApplicationName: text('parent_application_name'),
    parentKargoProjectName: text('parent_kargo_project_name'),
    detailsMessage: text('details_message'),
    detailsPatch: text('details_patch'),
    detailsActionType: text('details_action_type'),
    detailsJson: text('details_json'),
    // The first 16 bytes of the SHA-256 of the event's content (services/event-store/event-rows.ts): it only
    // tells a retry (same content) from a conflict (other content), for which 128 bits are plenty.
    contentHash: blob('content_hash', { mode: 'buffer' }).notNull(),
    // Provenance: 'platform' (recorded by this service) or 'ingest' (sent to POST …/audit-logs),
    // and the API key that sent an ingested event. Never taken from the client.
    source: eventSource('source').notNull(),
    sourceKeyId: text('source_key_id'),
    // How the actor authenticated (the event's `credential`): a CREDENTIAL_TYPES value and the key
    // or session id; null for events the service records on its own (cron) and events from before.
    credentialType: text('credential_type'),
    credentialId: text('credential_id'),
  },
  (table) => [
    // Serves the incremental stream (afterSequence) and proves each number is used once.
    uniqueIndex('audit_events_sequence').on(table.orgKey, table.sequence),
    // Idempotency: an id is stored once per organization.
    uniqueIndex('audit_events_id').on(table.orgKey, table.id),
    // Every list is "newest first" = ORDER BY timestamp DESC, rowid DESC within one organization;
    // each filter gets an index whose tail is timestamp (SQLite ends every index entry with the
    // rowid), so it is an index range scan. The rowid follows insertion order, as sequence does.
    index('audit_events_time').on(table.orgKey, table.timestamp),
    // Actor, action and object type match regardless of ASCII case (services/query/filter-conditions.ts
    // compares them COLLATE NOCASE): their indexes are ordered the same way, so that comparison is
    // still a range of them (migrations 0009 and 0020).
    index('audit_events_actor_time').on(table.orgKey, sql`actor_id COLLATE NOCASE`, table.timestamp),
    index('audit_events_action_time').on(table.orgKey, sql`action COLLATE NOCASE`, table.timestamp),
    // Actor type is dense (a few values), but without its own index a count of one type walks the
    // whole organization (measured: 1.3 s at 1M events against ~25 ms with it; migration 0011).
    index('audit_events_actor_type_time').on(table.orgKey, table.actorType, table.timestamp),
    index('audit_events_object_type_time').on(table.orgKey, sql`object_type COLLATE NOCASE`, table.timestamp),
    index('audit_events_object_name_time').on(table.orgKey, table.objectName, table.timestamp),
    // Partial: events without the value cost nothing in these.
    index('audit_events_instance_time').on(table.orgKey, table.instanceId, table.timestamp).where(sql`instance_id IS NOT NULL`),
    // The source column is in it (it costs no bytes: 1 is stored as a record type) so that the planner
    // sees two equal columns and prefers it over the time index.
    index('audit_events_platform_time').on(table.orgKey, table.source, table.timestamp).where(sql`source = 1`),
    // "Everything this credential did" (filters.credentialId, credential:<id>).
    index('audit_events_credential_time').on(table.orgKey, table.credentialId, table.timestamp).where(sql`credential_id IS NOT NULL`),
    // The search box's `ip:` (and a plain IP address): an address is its bytes (db/actor-address.ts),
    // so one address is an equality and a CIDR prefix a range of this index (migration 0019).
    index('audit_events_actor_ip_time').on(table.orgKey, table.actorIp, table.timestamp).where(sql`actor_ip IS NOT NULL`),
    // Children of an object (Akuity's includeChildObjects) and Kargo projects.
    index('audit_events_parent_time').on(table.orgKey, table.parentName, table.timestamp).where(sql`parent_name IS NOT NULL`),
    index('audit_events_parent_parent_time')
      .on(table.orgKey, table.parentParentName, table.timestamp)
      .where(sql`parent_parent_name IS NOT NULL`),
    index('audit_events_parent_application_time')
      .on(table.orgKey, table.parentApplicationName, table.timestamp)
      .where(sql`parent_application_name IS NOT NULL`),
    index('audit_events_kargo_project_time')
      .on(table.orgKey, table.parentKargoProjectName, table.timestamp)
      .where(sql`parent_kargo_project_name IS NOT NULL`),
  ],
);

/**
 * One row per (organization, ISO week) that has events, with the latest receipt time of any of
 * its events and their number. Kept by triggers on audit_events (migration 0002), it lets the
 * archive cron find due weeks without scanning audit_events (a week is due when it is closed and
 * last_received_at > its archive's built_at), and gives unfiltered totals without a count scan.
 */
export const eventWeeks = sqliteTable(
  'event_weeks',
  {
    organizationId: text('organization_id').notNull(),
    startDate: text('start_date').notNull(),
    lastReceivedAt: millis('last_received_at').notNull(),
    // Events stored for the week: sums to an organization's exact unfiltered total without a scan.
    eventCount: integer('event_count').notNull().default(0),
    // Set when retention removed the week's events from D1 (they live in its verified archive).
    purgedAt: millis('purged_at'),
  },
  (table) => [primaryKey({ columns: [table.organizationId, table.startDate] }), index('event_weeks_start').on(table.startDate)],
);

/**
 * Per organization: the last event sequence number handed out. Kept separately from audit_events
 * so numbers are never reused after retention removes the newest rows of an idle organization.
 */
export const organizationSequences = sqliteTable('organization_sequences', {
  // The small key audit_events and their indexes carry instead of the organization's text id.
  orgKey: integer('org_key').primaryKey(),
  organizationId: text('organization_id').notNull().unique(),
  lastSequence: integer('last_sequence').notNull().default(0),
  // Events stored before free-text search was organization-scoped are re-indexed by the daily job
  // up to this sequence; progress so far (see services/event-store/search-backfill.ts).
  searchBackfillUntil: integer('search_backfill_until').notNull().default(0),
  searchBackfilledThrough: integer('search_backfilled_through').notNull().default(0),
});

export const archives = sqliteTable(
  'archives',
  {
    organizationId: text('organization_id').notNull(),
    startDate: text('start_date').notNull(),
    revision: integer('revision').notNull(),
    r2Key: text('r2_key').notNull(),
    bytes: integer('bytes').notNull(),
    sha256: text('sha256').notNull(),
    records: integer('records').notNull(),
    manifestSha256: text('manifest_sha256').notNull(),
    previousManifestSha256: text('previous_manifest_sha256'),
    builtAt: millis('built_at').notNull(),
    // Set when the organization's archive retention removed the ZIP; its manifest and signature stay.
    expiredAt: millis('expired_at'),
  },
  (table) => [
    primaryKey({ columns: [table.organizationId, table.startDate, table.revision] }),
    index('archives_org_built').on(table.organizationId, table.builtAt),
  ],
);

/**
 * Events per value of the facets the dashboard suggests (actorId, action, objectType), per
 * organization: kept by the storing statements (increments) and a delete trigger (retention), so
 * the top values are an index range instead of a scan of the organization's events.
 */
export const eventFacets = sqliteTable(
  'event_facets',
  {
    organizationId: text('organization_id').notNull(),
    facet: text('facet', { enum: FACETS }).notNull(),
    value: text('value').notNull(),
    eventCount: integer('event_count').notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.organizationId, table.facet, table.value] }),
    index('event_facets_top').on(table.organizationId, table.facet, table.eventCount),
  ],
);

export const DELIVERY_STATES = ['pending', 'success', 'failure'] as const;

/**
 * One delivery of one event (or ping) to one config; a redelivery is a new row. `body` is the
 * exact request body, kept as proof of what was sent. `generation` names the one queue message
 * responsible for the next attempt: a message of another generation is stale and dropped.
 */
export const webhookDeliveries = sqliteTable(
  'webhook_deliveries',
  {
    id: text('id').primaryKey(),
    organizationId: text('organization_id').notNull(),
    // No foreign key: deliveries live in the organization's shard, configs in the main database.
    configId: text('config_id').notNull(),
    eventId: text('event_id').notNull(),
    eventType: text('event_type', { enum: ['WEBHOOK_EVENT_TYPE_AUDIT', 'WEBHOOK_EVENT_TYPE_PING'] }).notNull(),
    sequence: integer('sequence'),
    body: text('body').notNull(),
    status: text('status', { enum: DELIVERY_STATES }).notNull(),
    redeliveryOf: text('redelivery_of'),
    createdAt: millis('created_at').notNull(),
    firstAttemptAt: millis('first_attempt_at'),
    attemptCount: integer('attempt_count').notNull().default(0),
    nextAttemptAt: millis('next_attempt_at'),
    generation: integer('generation').notNull().default(0),
    leaseUntil: millis('lease_until'),
    // Why a delivery ended without a further attempt (gave up, webhook deactivated or deleted).
    note: text('note'),
  },
  (table) => [
    // A dispatcher running twice for the same events cannot create a second delivery.
    uniqueIndex('webhook_deliveries_config_event').on(table.configId, table.eventId).where(sql`${table.redeliveryOf} IS NULL`),
    // History pages, newest first (ids are ULIDs).
    index('webhook_deliveries_config_id').on(table.configId, table.id),
    // The sweep for pending deliveries whose queue message was lost.
    index('webhook_deliveries_pending').on(table.organizationId, table.nextAttemptAt).where(sql`${table.status} = 'pending'`),
  ],
);

/** Every HTTP attempt of a delivery: status, timings, truncated response, headers (never the secret). */
export const webhookAttempts = sqliteTable(
  'webhook_attempts',
  {
    deliveryId: text('delivery_id')
      .notNull()
      .references(() => webhookDeliveries.id, { onDelete: 'cascade' }),
    attempt: integer('attempt').notNull(),
    succeeded: integer('succeeded', { mode: 'boolean' }).notNull(),
    statusCode: integer('status_code').notNull(),
    error: text('error').notNull(),
    response: text('response').notNull(),
    requestHeaders: text('request_headers').notNull(),
    responseHeaders: text('response_headers').notNull(),
    startedAt: millis('started_at').notNull(),
    endedAt: millis('ended_at').notNull(),
  },
  (table) => [primaryKey({ columns: [table.deliveryId, table.attempt] })],
);

export type AuditEventRow = typeof auditEvents.$inferSelect;
export type WebhookDeliveryRow = typeof webhookDeliveries.$inferSelect;
export type WebhookAttemptRow = typeof webhookAttempts.$inferSelect;
