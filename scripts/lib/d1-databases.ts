/**
 * The D1 databases of a wrangler config (the main one and the event shards), read from its
 * [[d1_databases]] entries: migrations go to every one of them, and the benchmark writes its
 * dataset straight into their local SQLite files.
 */
import { createHash, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface D1DatabaseEntry {
  binding: string;
  databaseId: string;
}

export function d1Databases(configPath = 'wrangler.toml'): D1DatabaseEntry[] {
  const text = readFileSync(configPath, 'utf8');
  return text
    .split(/^\[\[d1_databases\]\]\s*$/m)
    .slice(1)
    .map((block) => block.split(/^\[/m)[0] ?? '')
    .map((block) => ({
      binding: /^binding\s*=\s*"([^"]+)"/m.exec(block)?.[1] ?? '',
      databaseId: /^database_id\s*=\s*"([^"]+)"/m.exec(block)?.[1] ?? '',
    }))
    .filter((entry) => entry.binding !== '' && entry.databaseId !== '');
}

/**
 * The SQLite file of a local D1 database under a `--persist-to` directory: Miniflare names it by
 * the Durable Object id it derives from the database id (HMAC-SHA-256 under the object class's key).
 */
export function localD1File(persistDir: string, databaseId: string): string {
  const key = createHash('sha256').update('miniflare-D1DatabaseObject').digest();
  const nameHmac = createHmac('sha256', key).update(databaseId).digest().subarray(0, 16);
  const check = createHmac('sha256', key).update(nameHmac).digest().subarray(0, 16);
  const objectId = Buffer.concat([nameHmac, check]).toString('hex');
  return join(persistDir, 'v3', 'd1', 'miniflare-D1DatabaseObject', `${objectId}.sqlite`);
}
