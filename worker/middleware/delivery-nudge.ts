import { createMiddleware } from 'hono/factory';
import { wakeStreams } from '../services/log-streams/index.ts';
import { nudgeOrganization } from '../services/webhooks/index.ts';
import type { AppEnv } from './app-env.ts';

/**
 * Writes under an organization, and the two reads that record events (exports, archive downloads).
 * `orgs` is Akuity's spelling, used by its webhook paths (routes/params.ts, AKUITY_NOTIFICATION_CONFIGS_PATH).
 */
const WRITE = /^\/api\/v1\/(?:organizations|orgs)\/([^/]+)\/./;
const RECORDING_READS = [/^\/api\/v1\/organizations\/([^/]+)\/csv-audit-logs$/, /^\/api\/v1\/archive-downloads\/([^/]+)\//];

/** The organization whose events a successful request may have recorded, or null. */
function recordingOrganization(method: string, pathname: string): string | null {
  // A HEAD sends nothing, so it records nothing: exports and downloads are recorded for GETs only.
  if (method === 'HEAD') return null;
  const match = method === 'GET' ? RECORDING_READS.map((pattern) => pattern.exec(pathname)).find(Boolean) : WRITE.exec(pathname);
  const encoded = match?.[1];
  if (!encoded) return null;
  try {
    return decodeURIComponent(encoded);
  } catch {
    return null;
  }
}

/**
 * Webhook and log-stream fan-out without touching any writer: after a successful request that may
 * have recorded events, the organization's webhooks are nudged and its log streams woken (after
 * the answer is sent). Both read what is new by sequence, so a lost nudge only delays delivery
 * until the next one or the daily run (docs/WEBHOOKS.md, docs/STREAMS.md).
 */
export const deliveryNudge = createMiddleware<AppEnv>(async (c, next) => {
  await next();
  if (c.res.status < 200 || c.res.status >= 300) return;
  const organizationId = recordingOrganization(c.req.method, new URL(c.req.url).pathname);
  if (!organizationId) return;
  const fail = (what: string) => (error: unknown) => {
    console.error(JSON.stringify({ requestId: c.var.requestId, [what]: organizationId, error: String(error) }));
  };
  c.executionCtx.waitUntil(nudgeOrganization(c.var.db, c.env.WEBHOOK_DISPATCH_QUEUE, organizationId).catch(fail('webhookNudge')));
  c.executionCtx.waitUntil(wakeStreams(c.var.db, c.env.LOG_STREAM_RUNNER, organizationId).catch(fail('streamWake')));
});
