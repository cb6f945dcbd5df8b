import { defineConfig } from 'drizzle-kit';

// drizzle-kit 0.31 writes flat drizzle/NNNN_name.sql files, which is the layout both
// `wrangler d1 migrations apply` and readD1Migrations() read.
export default defineConfig({
  dialect: 'sqlite',
  schema: './worker/db/schema.ts',
  out: './drizzle',
});
