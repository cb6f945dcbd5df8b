import { drizzle, type DrizzleD1Database } from 'drizzle-orm/d1';
import * as schema from './schema';

export type Database = DrizzleD1Database<typeof schema>;

export function database(d1: D1Database): Database {
  return drizzle(d1, { schema });
}

/** D1 allows at most 100 bound parameters per statement. */
export const D1_MAX_PARAMETERS = 100;
