import { type SQL, type SQLWrapper, sql } from 'drizzle-orm';

// D1 caps a statement at 100 bound parameters, so a list of values never becomes one parameter
// each: it travels as one JSON array, which SQLite unpacks with json_each. `expression` may be a
// column or any SQL (e.g. sql`${column} COLLATE NOCASE`, sql`coalesce(${column}, '')`).

/** `expression IN (SELECT value FROM json_each(?))`, the values bound as one JSON parameter. */
export function inJsonList(expression: SQLWrapper, values: readonly (string | number)[]): SQL {
  return sql`${expression} IN (SELECT value FROM json_each(${JSON.stringify(values)}))`;
}

/** `expression NOT IN (SELECT value FROM json_each(?))`, the values bound as one JSON parameter. */
export function notInJsonList(expression: SQLWrapper, values: readonly (string | number)[]): SQL {
  return sql`${expression} NOT IN (SELECT value FROM json_each(${JSON.stringify(values)}))`;
}
