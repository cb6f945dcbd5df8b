/** Messages on the archive queue: one (organization, ISO week) to build. */
export interface ArchiveJob {
  organizationId: string;
  startDate: string;
}

/** Bindings, vars and secrets of the Worker (wrangler.toml + .dev.vars / `wrangler secret put`). */
export interface WorkerEnv {
  DB: D1Database;
  ARCHIVES: R2Bucket;
  ARCHIVE_QUEUE: Queue<ArchiveJob>;
  ASSETS: Fetcher;
  /** Per-credential request budget (wrangler.toml [[ratelimits]]). */
  API_RATE_LIMITER: RateLimit;
  /** Bootstrap token of the platform operator: creates organizations. */
  ADMIN_TOKEN: string;
  /** Ed25519 private key (base64 PKCS#8) that signs archive manifests. */
  ARCHIVE_SIGNING_KEY: string;
  /** HMAC secret for expiring download links. */
  LINK_SIGNING_SECRET: string;
  /**
   * The D1 bindings new organizations' events go to, comma-separated (default: the main DB only).
   * Each must be a [[d1_databases]] binding with the same migrations (docs/OPERATIONS.md, "Shards").
   */
  EVENT_SHARDS?: string;
  HOT_RETENTION_DAYS: string;
  MAX_EVENT_AGE_DAYS: string;
  /** Seconds an event must have been stored before an archive build includes it (default 60). */
  ARCHIVE_SETTLE_SECONDS?: string;
}
