import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/**
 * The FTS5 table of free-text search (migration 0003), described for the query builder only: it
 * lives outside schema.ts so drizzle-kit never tries to create it as an ordinary table.
 */
export const auditEventsSearch = sqliteTable('audit_events_search', {
  rowid: integer('rowid'),
  body: text('body'),
});
