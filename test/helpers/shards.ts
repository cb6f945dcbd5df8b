import { env } from 'cloudflare:workers';
import { type Database, database } from '../../worker/db/client.ts';

/** Every D1 database of the test Worker: the main one and the two event shards (wrangler.toml). */
export const DATABASES: Record<string, D1Database> = { DB: env.DB, SHARD_1: env.SHARD_1, SHARD_2: env.SHARD_2 };

/** The D1 database that holds an organization's events (its shard), read from its organizations row. */
export async function eventsD1(organizationId: string): Promise<D1Database> {
  const row = await env.DB.prepare('SELECT shard FROM organizations WHERE id = ?').bind(organizationId).first<{ shard: string }>();
  const shard = DATABASES[row?.shard ?? ''];
  if (!shard) throw new Error(`organization ${organizationId} has no known shard (${row?.shard ?? 'no row'})`);
  return shard;
}

/** The same, for calling services directly. */
export async function eventsDatabase(organizationId: string): Promise<Database> {
  return database(await eventsD1(organizationId));
}
