import { applyD1Migrations } from 'cloudflare:test';
import { env } from 'cloudflare:workers';

// Runs before each test file; already-applied migrations are skipped. Every D1 database of
// wrangler.toml gets them: the main one and each event shard (EVENT_SHARDS).
for (const database of [env.DB, env.SHARD_1, env.SHARD_2]) await applyD1Migrations(database, env.TEST_MIGRATIONS);
