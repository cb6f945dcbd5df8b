/**
 * Saved views: a person's named filter sets of the dashboard's Audit Logs tab (docs/API.md,
 * "Saved views"). Control data in the main database, per (organization, user); they change
 * nothing in the audit record.
 */
import { sql } from 'drizzle-orm';
import { sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { millis } from './columns.ts';
import { organizations, users } from './main.ts';

export const savedViews = sqliteTable(
  'saved_views',
  {
    id: text('id').primaryKey(),
    organizationId: text('organization_id')
      .notNull()
      .references(() => organizations.id),
    userId: text('user_id')
      .notNull()
      .references(() => users.id),
    name: text('name').notNull(),
    // The dashboard URL's filter query string, without "?" (contract/saved-views.ts says which keys).
    query: text('query').notNull(),
    // "organization" (the organization's Audit Logs tab) or the id of the instance whose tab it is for.
    scope: text('scope').notNull(),
    createdAt: millis('created_at').notNull(),
    updatedAt: millis('updated_at').notNull(),
  },
  // Names are unique per person per organization, ignoring ASCII case; the index also serves the
  // list (organization, user) in name order.
  (table) => [uniqueIndex('saved_views_user_name').on(table.organizationId, table.userId, sql`lower(${table.name})`)],
);

export type SavedViewRow = typeof savedViews.$inferSelect;
