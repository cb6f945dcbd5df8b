import { z } from 'zod';
import type { WorkerEnv } from './env.ts';

/** Worker variables parsed once into typed values (wrangler.toml [vars], `.dev.vars`, `--var`). */
export interface Config {
  /** Events older than this many days leave D1 once their week's archive verifies. */
  hotRetentionDays: number;
  /** Ingest refuses timestamps older than this many days (the platform admin may backfill up to hotRetentionDays). */
  maxEventAgeDays: number;
  /** An event is archived only once it was received at least this long ago (see docs/ARCHITECTURE.md, "The archive path"). */
  archiveSettleMs: number;
}

const positiveDays = (fallback: number) => z.coerce.number().int().min(1).max(36_500).catch(fallback);

const ConfigVars = z.object({
  HOT_RETENTION_DAYS: positiveDays(90),
  MAX_EVENT_AGE_DAYS: positiveDays(30),
  ARCHIVE_SETTLE_SECONDS: z.coerce.number().int().min(0).max(3600).catch(60),
});

// One parse per env object: Workers hand the same env to every request of an isolate.
const parsed = new WeakMap<object, Config>();

export function readConfig(env: WorkerEnv): Config {
  const cached = parsed.get(env);
  if (cached) return cached;
  const vars = ConfigVars.parse({
    HOT_RETENTION_DAYS: env.HOT_RETENTION_DAYS ?? undefined,
    MAX_EVENT_AGE_DAYS: env.MAX_EVENT_AGE_DAYS ?? undefined,
    ARCHIVE_SETTLE_SECONDS: env.ARCHIVE_SETTLE_SECONDS ?? undefined,
  });
  const config: Config = {
    hotRetentionDays: vars.HOT_RETENTION_DAYS,
    maxEventAgeDays: vars.MAX_EVENT_AGE_DAYS,
    archiveSettleMs: vars.ARCHIVE_SETTLE_SECONDS * 1000,
  };
  parsed.set(env, config);
  return config;
}

/** Webhook settings (docs/WEBHOOKS.md), apart from Config: only the webhook code reads them. */
export interface WebhookConfig {
  /** Webhooks may use plain http://localhost and http://127.0.0.1 (local runs and tests only). */
  allowInsecure: boolean;
  /** First retry delay of a failed delivery; doubles per attempt up to an hour. */
  retryBaseMs: number;
}

const WebhookVars = z.object({ WEBHOOK_RETRY_BASE_SECONDS: z.coerce.number().int().min(1).max(3600).catch(30) });
const parsedWebhooks = new WeakMap<object, WebhookConfig>();

export function readWebhookConfig(env: WorkerEnv): WebhookConfig {
  const cached = parsedWebhooks.get(env);
  if (cached) return cached;
  const vars = WebhookVars.parse({ WEBHOOK_RETRY_BASE_SECONDS: env.WEBHOOK_RETRY_BASE_SECONDS ?? undefined });
  // Only the exact word: anything else (unset, "1", "yes") keeps the production rule.
  const config = { allowInsecure: env.ALLOW_INSECURE_WEBHOOKS === 'true', retryBaseMs: vars.WEBHOOK_RETRY_BASE_SECONDS * 1000 };
  parsedWebhooks.set(env, config);
  return config;
}
