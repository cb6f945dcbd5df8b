import type { WorkerEnv } from '../env.ts';
import { type Database, database } from './client.ts';

/** The main database's binding: control data, and the events of organizations from before shards. */
export const MAIN_DATABASE = 'DB';

/** A D1 binding name: upper-case letters, digits and underscores (wrangler.toml [[d1_databases]]). */
const BINDING_NAME = /^[A-Z][A-Z0-9_]{0,63}$/;

/**
 * The deployment's event databases (docs/ARCHITECTURE.md, "Shards"). `placement` are the shards new
 * organizations go to (EVENT_SHARDS, in order); `all` adds the main database, which keeps the
 * events of organizations placed before shards existed. Every job walks `all`.
 */
export interface ShardSet {
  placement: readonly string[];
  all: readonly string[];
  binding(name: string): D1Database;
}

const parsed = new WeakMap<object, ShardSet>();

function isD1(value: unknown): value is D1Database {
  return typeof value === 'object' && value !== null && 'prepare' in value && 'batch' in value && 'withSession' in value;
}

/** Reads EVENT_SHARDS once per env; a name that is not a bound D1 database stops the Worker with a clear error. */
export function shardSet(env: WorkerEnv): ShardSet {
  const cached = parsed.get(env);
  if (cached) return cached;
  const bindings = env as unknown as Record<string, unknown>;
  const names = (env.EVENT_SHARDS ?? MAIN_DATABASE)
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name.length > 0);
  const placement = [...new Set(names.length > 0 ? names : [MAIN_DATABASE])];
  for (const name of placement) {
    if (!BINDING_NAME.test(name) || !isD1(bindings[name])) {
      throw new Error(`EVENT_SHARDS names "${name}", which is not a D1 binding of this Worker (see wrangler.toml).`);
    }
  }
  const all = placement.includes(MAIN_DATABASE) ? placement : [MAIN_DATABASE, ...placement];
  const set: ShardSet = {
    placement,
    all,
    binding(name) {
      const binding = all.includes(name) ? bindings[name] : undefined;
      if (!isD1(binding)) throw new Error(`No event database "${name}" in this deployment (EVENT_SHARDS).`);
      return binding;
    },
  };
  parsed.set(env, set);
  return set;
}

/** Each shard's database, for jobs that run outside a request (cron, queue): primary reads and writes. */
export function shardDatabases(env: WorkerEnv): { name: string; db: Database }[] {
  const shards = shardSet(env);
  return shards.all.map((name) => ({ name, db: database(shards.binding(name)) }));
}
