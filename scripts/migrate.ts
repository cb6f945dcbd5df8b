/**
 * `npm run db:migrate -- --local|--remote`: applies drizzle/ to every D1 database in wrangler.toml,
 * the main one and each event shard (a shard that misses a migration would fail its first query).
 */
import { applyMigrations } from './lib/dev-server.ts';

const remote = process.argv.includes('--remote');
if (!remote && !process.argv.includes('--local')) {
  console.error('Usage: npm run db:migrate -- --local | --remote');
  process.exit(2);
}
await applyMigrations({ remote });
