/**
 * Log streams (docs/STREAMS.md): where an organization's events are sent in batches. Control data,
 * main database only, like webhooks (main.ts, notification_configs).
 */
import { sql } from 'drizzle-orm';
import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { STREAM_FORMATS, STREAM_STATES, STREAM_TYPES } from '../../contract/log-streams.ts';
import { millis } from './columns.ts';
import { organizations } from './main.ts';

export const logStreams = sqliteTable(
  'log_streams',
  {
    id: text('id').primaryKey(),
    organizationId: text('organization_id')
      .notNull()
      .references(() => organizations.id),
    name: text('name').notNull(),
    type: text('type', { enum: STREAM_TYPES }).notNull(),
    format: text('format', { enum: STREAM_FORMATS }).notNull(),
    // The webhook filter object of the API, as JSON.
    filterJson: text('filter_json').notNull(),
    active: integer('active', { mode: 'boolean' }).notNull(),
    // The type's fields but its secret, as JSON (url, headers, site, endpoint, bucket…).
    settingsJson: text('settings_json').notNull(),
    // The type's secret (https secret, HEC token, Datadog API key, S3 secret access key): AES-GCM
    // under WEBHOOK_SECRET_KEY, bound to the stream id; never returned.
    secretCiphertext: text('secret_ciphertext').notNull(),
    // The highest sequence delivered; moves only on success (the delivery engine).
    deliveredThroughSequence: integer('delivered_through_sequence').notNull().default(0),
    state: text('state', { enum: STREAM_STATES }).notNull(),
    failingSince: millis('failing_since'),
    createdAt: millis('created_at').notNull(),
    updatedAt: millis('updated_at').notNull(),
    // Soft delete: the name is free again, the row stays for the delivery engine to stop on.
    deletedAt: millis('deleted_at'),
  },
  (table) => [
    uniqueIndex('log_streams_org_name_live').on(table.organizationId, table.name).where(sql`${table.deletedAt} IS NULL`),
    index('log_streams_org').on(table.organizationId, table.createdAt),
  ],
);

export type LogStreamRow = typeof logStreams.$inferSelect;

/**
 * What a stream sent and what the destination answered, in the organization's shard (as webhook
 * deliveries): test batches (`kind: test`, sequence 0), event batches (`batch`) and copies of
 * archive files (`archive`, sequences 0, the file named in `error` when it failed). One attempt
 * per row: a retry is a new row of the same sequences. `kind` has no CHECK constraint, so a new
 * kind needs no migration.
 */
export const logStreamDeliveries = sqliteTable(
  'log_stream_deliveries',
  {
    id: text('id').primaryKey(),
    streamId: text('stream_id').notNull(),
    organizationId: text('organization_id').notNull(),
    kind: text('kind', { enum: ['test', 'batch', 'archive'] }).notNull(),
    firstSequence: integer('first_sequence').notNull(),
    lastSequence: integer('last_sequence').notNull(),
    eventCount: integer('event_count').notNull(),
    // Bytes of the request body as sent (gzip-compressed for datadog and s3).
    bytes: integer('bytes').notNull(),
    succeeded: integer('succeeded', { mode: 'boolean' }).notNull(),
    // The destination's HTTP status; 0 when it gave none.
    statusCode: integer('status_code').notNull(),
    error: text('error').notNull(),
    // The destination's answer, at most 4 KiB (webhooks/response-capture.ts).
    response: text('response').notNull(),
    startedAt: millis('started_at').notNull(),
    endedAt: millis('ended_at').notNull(),
  },
  (table) => [index('log_stream_deliveries_stream').on(table.streamId, table.startedAt)],
);

export type LogStreamDeliveryRow = typeof logStreamDeliveries.$inferSelect;
