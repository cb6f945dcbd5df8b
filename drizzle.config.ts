import { defineConfig } from 'drizzle-kit';

// drizzle-kit 0.31 writes flat drizzle/NNNN_name.sql files, which is the layout both
// `wrangler d1 migrations apply` and readD1Migrations() read. One migration set for every D1
// database: the main database's tables and a shard's are all created in each (scripts/migrate.ts).
export default defineConfig({
  dialect: 'sqlite',
  schema: [
    './worker/db/schema/main.ts',
    './worker/db/schema/identity.ts',
    './worker/db/schema/streams.ts',
    './worker/db/schema/shard.ts',
    './worker/db/schema/checkpoints.ts',
    './worker/db/schema/saved-views.ts',
    './worker/db/schema/moves.ts',
  ],
  out: './drizzle',
});
