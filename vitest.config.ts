import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-plugin';
import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';

// Worker tests run inside workerd with the bindings of wrangler.toml (local D1, R2, queues) and the
// real drizzle/ migrations, applied by test/setup/apply-migrations.ts.
const migrations = await readD1Migrations('./drizzle');

const BINDINGS = {
  TEST_MIGRATIONS: migrations,
  ADMIN_TOKEN: 'test-admin-token-0123456789abcdef',
  ARCHIVE_SIGNING_KEY: 'MC4CAQAwBQYDK2VwBCIEIFN5/zVBrE4t2JXJMmL38kjNdhAUX2vJ1d3ZJkJmH8Ml',
  LINK_SIGNING_SECRET: 'test-link-secret',
  WEBHOOK_SECRET_KEY: 'BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=',
  // Webhooks reach the local test receiver over plain http, and retry after 1 s instead of 30 s.
  ALLOW_INSECURE_WEBHOOKS: 'true',
  WEBHOOK_RETRY_BASE_SECONDS: '1',
  // SSO client secrets at rest; OpenID providers and the Access key server of the tests speak plain http on 127.0.0.1.
  SSO_SECRET_KEY: 'CAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAg=',
  ALLOW_INSECURE_SSO: 'true',
  ACCESS_AUD: 'test-access-audience',
};

/**
 * The rate-limit test's own per-credential budget: small enough to exceed quickly even on a busy
 * 2-core machine; the free-text budget is production's (wrangler.toml), which that test exhausts.
 */
const SMALL_RATE_LIMIT = {
  API_RATE_LIMITER: { namespace_id: '1001', simple: { limit: 100, period: 10 as const } },
  FREE_TEXT_RATE_LIMITER: { namespace_id: '1002', simple: { limit: 40, period: 10 as const } },
};
/**
 * Every other suite: budgets no suite reaches. Fuzzing and conformance send thousands of requests
 * (free text among them) with one key within seconds; they test what the answers say, and a 429
 * there would silently turn fuzz cases into no-ops (or, timed unluckily, fail a setup call).
 * The budgets themselves are the rate-limit project's subject.
 */
const LARGE_BUDGETS = {
  API_RATE_LIMITER: { namespace_id: '1001', simple: { limit: 1_000_000, period: 10 as const } },
  FREE_TEXT_RATE_LIMITER: { namespace_id: '1002', simple: { limit: 1_000_000, period: 10 as const } },
};

function workerProject(
  name: string,
  include: string[],
  exclude: string[],
  extra: { ratelimits: typeof SMALL_RATE_LIMIT },
): TestProjectInlineConfiguration {
  return {
    plugins: [
      cloudflareTest(({ inject }) => ({
        wrangler: { configPath: './wrangler.toml' },
        // The webhook receiver is started by the global setup below, in this Node process.
        miniflare: {
          bindings: {
            ...BINDINGS,
            WEBHOOK_RECEIVER: inject('webhookReceiverUrl'),
            // The OpenID provider and the Cloudflare Access key server (test/setup/oidc-provider.ts).
            OIDC_ISSUER: inject('oidcIssuer'),
            OIDC_TEST_SERVER: inject('oidcTestServer'),
            ACCESS_TEAM_DOMAIN: inject('accessTeamDomain'),
            // Log-stream destinations: Splunk HEC, Datadog intake, S3 behind a SigV4 gate (test/setup/stream-receivers.ts).
            SPLUNK_HEC_RECEIVER: inject('splunkHecUrl'),
            DATADOG_RECEIVER: inject('datadogIntakeUrl'),
            S3_RECEIVER: inject('s3Endpoint'),
            // scripts/content-hash.py run by python3 in this Node process (test/setup/python-runner.ts).
            PYTHON_RUNNER: inject('pythonRunnerUrl'),
          },
          ...extra,
        },
      })),
    ],
    // Integration tests in workerd on 2 shared cores: the 5 s default is too tight under load.
    test: {
      name,
      include,
      exclude,
      globalSetup: [
        './test/setup/webhook-receiver.ts',
        './test/setup/oidc-provider.ts',
        './test/setup/stream-receivers.ts',
        './test/setup/python-runner.ts',
      ],
      setupFiles: ['./test/setup/apply-migrations.ts'],
      testTimeout: 30_000,
      hookTimeout: 60_000,
    },
  };
}

export default defineConfig({
  test: {
    projects: [
      workerProject('worker', ['test/**/*.test.ts'], ['test/e2e/**', 'test/web/**', 'test/rate-limit.test.ts'], {
        ratelimits: LARGE_BUDGETS,
      }),
      workerProject('rate-limit', ['test/rate-limit.test.ts'], [], { ratelimits: SMALL_RATE_LIMIT }),
    ],
  },
});
