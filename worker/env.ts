/** Archive queue: build the next revision of an organization's week… */
export interface ArchiveWeekJob {
  organizationId: string;
  startDate: string;
}

/** …or deflate one closed day of it ahead of the week's build (services/archive/day-parts.ts). */
export interface ArchiveDayJob {
  organizationId: string;
  date: string;
}

export type ArchiveJob = ArchiveWeekJob | ArchiveDayJob;

export const isDayJob = (job: ArchiveJob): job is ArchiveDayJob => 'date' in job;

/** Messages on the webhook dispatch queue: an organization may have events to hand to its webhooks. */
export interface WebhookDispatchJob {
  organizationId: string;
}

/** Messages on the webhook delivery queues: the next attempt of one delivery (docs/WEBHOOKS.md). */
export interface WebhookDeliveryJob {
  /** Whose delivery: names the shard that holds it (services/event-store/shard-routing.ts). */
  organizationId: string;
  deliveryId: string;
  /** The delivery's generation when this message was sent; a message of an older one is stale. */
  generation: number;
}

/**
 * Bindings, vars and secrets of the Worker. The names and binding types come from wrangler.toml
 * through `npm run types` (wrangler types → worker/worker-configuration.d.ts, checked current by
 * `npm run check`); this adds what wrangler cannot know: each queue's message type, and the
 * optional variables that wrangler.toml leaves unset (see docs/OPERATIONS.md, "Configuration").
 */
export interface WorkerEnv
  extends Omit<
    WranglerEnv,
    | 'ARCHIVE_QUEUE'
    | 'WEBHOOK_DISPATCH_QUEUE'
    | 'WEBHOOK_DELIVERY_QUEUE'
    | 'WEBHOOK_RETRY_QUEUE'
    | 'EVENT_SHARDS'
    | 'HOT_RETENTION_DAYS'
    | 'MAX_EVENT_AGE_DAYS'
  > {
  ARCHIVE_QUEUE: Queue<ArchiveJob>;
  /** Webhooks: the nudge after each write, first attempts of healthy receivers, everything else. */
  WEBHOOK_DISPATCH_QUEUE: Queue<WebhookDispatchJob>;
  WEBHOOK_DELIVERY_QUEUE: Queue<WebhookDeliveryJob>;
  WEBHOOK_RETRY_QUEUE: Queue<WebhookDeliveryJob>;
  /**
   * The D1 bindings new organizations' events go to, comma-separated (default: the main DB only).
   * Each must be a [[d1_databases]] binding with the same migrations (docs/OPERATIONS.md, "Shards").
   */
  EVENT_SHARDS?: string;
  /** Days events stay in D1 (default 90); worker/config.ts parses these variables and refuses invalid ones. */
  HOT_RETENTION_DAYS?: string;
  /** Ingest refuses timestamps older than this many days (default 30). */
  MAX_EVENT_AGE_DAYS?: string;
  /** Seconds an event must have been stored before an archive build includes it (default 60). */
  ARCHIVE_SETTLE_SECONDS?: string;
  /** "true" lets webhooks use plain http to localhost / 127.0.0.1 (npm start, tests). */
  ALLOW_INSECURE_WEBHOOKS?: string;
  /** First retry delay of a failed webhook delivery in seconds (default 30). */
  WEBHOOK_RETRY_BASE_SECONDS?: string;
  /** "true" lets OpenID providers and the Access team domain use plain http to localhost / 127.0.0.1 (npm start, tests). */
  ALLOW_INSECURE_SSO?: string;
  /** Cloudflare Access (docs/SSO.md): the team domain (`<team>.cloudflareaccess.com`) and the application's AUD tag; both or neither. */
  ACCESS_TEAM_DOMAIN?: string;
  ACCESS_AUD?: string;
}
