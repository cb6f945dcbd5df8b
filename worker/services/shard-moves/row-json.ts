import { getTableColumns, type SQL, sql } from 'drizzle-orm';
import type { SQLiteColumn, SQLiteTable, SQLiteUpdateSetSource } from 'drizzle-orm/sqlite-core';
import type { Database } from '../../db/client.ts';
import { jsonChunks } from '../event-store/index.ts';

/** A row read for copying: column values by property name; a BLOB value under `<name>#hex`. */
export type RowJson = Record<string, string | number | null>;

const HEX = '#hex';

/** The table's columns: property name and SQL name, in schema order. */
function columnsOf(table: SQLiteTable): { key: string; name: string }[] {
  return Object.entries(getTableColumns(table)).map(([key, column]) => ({ key, name: column.name }));
}

/**
 * SQL that turns a row of the table into one JSON object (`json_object` cannot hold a BLOB: those
 * go as hex under `<key>#hex`). `skip` leaves columns out (the target supplies them).
 */
export function rowObject(table: SQLiteTable, skip: string[] = []): SQL {
  const parts = columnsOf(table)
    .filter((column) => !skip.includes(column.name))
    .map(
      ({ key, name }) =>
        `'${key}', CASE WHEN typeof("${name}") = 'blob' THEN NULL ELSE "${name}" END, '${key}${HEX}', CASE WHEN typeof("${name}") = 'blob' THEN hex("${name}") END`,
    );
  return sql.raw(`json_object(${parts.join(', ')})`);
}

/**
 * SQL that turns a row of the table into one text for comparing rows between databases: every
 * column (but `skip`) through SQLite's quote() (text quoted and escaped, a BLOB as X'…', NULL as
 * NULL), comma-separated, in schema order, the sequence first when the table has one. Cheaper to
 * build and to carry than rowObject, and only equal for equal rows.
 */
export function rowText(table: SQLiteTable, skip: string[] = []): SQL {
  const names = columnsOf(table)
    .map((column) => column.name)
    .filter((name) => !skip.includes(name))
    .sort((a, b) => Number(b === 'sequence') - Number(a === 'sequence'));
  return sql.raw(names.map((name) => `quote("${name}")`).join(` || ',' || `));
}

/** The SELECT list that reads such an object (bound as json_each's `value`) back into the table's columns. */
export function valuesFromObject(table: SQLiteTable, skip: string[] = []): SQL {
  const parts = columnsOf(table)
    .filter((column) => !skip.includes(column.name))
    .map(({ key }) => `coalesce(unhex(value->>'${key}${HEX}'), value->>'${key}')`);
  return sql.raw(parts.join(', '));
}

/** Reads rows of `table` matching `where` as JSON objects (rowObject). */
export async function readRows(
  db: Database,
  table: SQLiteTable,
  where: SQL,
  order: SQL = sql`rowid`,
  limit = 1_000_000,
): Promise<RowJson[]> {
  const rows = await db.all<{ row: string }>(
    sql`SELECT ${rowObject(table)} AS row FROM ${table} WHERE ${where} ORDER BY ${order} LIMIT ${limit}`,
  );
  return rows.map((row) => JSON.parse(row.row) as RowJson);
}

/**
 * Writes rows read by readRows into `table` of another database, in their order: `ignore` keeps
 * rows already there, `upsert` overwrites them by the `upsert` columns (an UPDATE, never a DELETE,
 * so rows that reference them stay).
 */
export function writeRowStatements<Table extends SQLiteTable>(
  db: Database,
  table: Table,
  rows: RowJson[],
  mode: { ignore: true } | { upsert: SQLiteColumn[] },
) {
  return jsonChunks(rows).map((chunk) => {
    // Drizzle lists the columns in schema order, as valuesFromObject does. "WHERE true" keeps
    // SQLite from reading the ON CONFLICT below as a join constraint.
    const insert = db.insert(table).select(sql`SELECT ${valuesFromObject(table)} FROM json_each(${chunk}) WHERE true ORDER BY key`);
    if ('ignore' in mode) return insert.onConflictDoNothing();
    const conflict = new Set(mode.upsert.map((column) => column.name));
    const set = Object.fromEntries(
      columnsOf(table)
        .filter((column) => !conflict.has(column.name))
        .map((column) => [column.key, sql.raw(`excluded."${column.name}"`)]),
    );
    return insert.onConflictDoUpdate({ target: mode.upsert, set: set as SQLiteUpdateSetSource<Table> });
  });
}
