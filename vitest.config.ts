import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';

// Worker tests run inside workerd with the bindings of wrangler.toml (local D1, R2, queues) and the
// real drizzle/ migrations, applied by test/setup/apply-migrations.ts.
export default defineConfig(async () => {
  const migrations = await readD1Migrations('./drizzle');
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: './wrangler.toml' },
        miniflare: {
          bindings: {
            TEST_MIGRATIONS: migrations,
            ADMIN_TOKEN: 'test-admin-token-0123456789abcdef',
            ARCHIVE_SIGNING_KEY: 'MC4CAQAwBQYDK2VwBCIEIFN5/zVBrE4t2JXJMmL38kjNdhAUX2vJ1d3ZJkJmH8Ml',
            LINK_SIGNING_SECRET: 'test-link-secret',
          },
        },
      }),
    ],
    test: {
      include: ['test/**/*.test.ts'],
      exclude: ['test/e2e/**'],
      setupFiles: ['./test/setup/apply-migrations.ts'],
    },
  };
});
