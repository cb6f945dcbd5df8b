import { count, eq, sql } from 'drizzle-orm';
import { type Database, database } from '../../db/client.ts';
import { eventWeeks, organizations } from '../../db/schema.ts';
import { shardSet } from '../../db/shards.ts';
import type { WorkerEnv } from '../../env.ts';
import { notFound } from '../../errors.ts';

/**
 * Which shard holds an organization's events: the one routing rule (docs/ARCHITECTURE.md,
 * "Shards"). An organization's shard only changes when an operator moves it, so each isolate
 * remembers answers for a minute (docs/OPERATIONS.md says what a move must wait for).
 */
const remembered = new Map<string, { shard: string; until: number }>();
/** How long an isolate may keep routing an organization's writes to the shard it remembers (a move waits this long before removing the old rows). */
export const REMEMBER_MS = 60_000;
const REMEMBER_MAX = 10_000;

export async function organizationShard(control: Database, organizationId: string, now = Date.now()): Promise<string> {
  const known = remembered.get(organizationId);
  if (known && known.until > now) return known.shard;
  const [row] = await control
    .select({ shard: organizations.shard })
    .from(organizations)
    .where(eq(organizations.id, organizationId))
    .limit(1);
  if (!row) throw notFound(`Organization ${organizationId} does not exist.`);
  if (remembered.size >= REMEMBER_MAX) remembered.clear();
  remembered.set(organizationId, { shard: row.shard, until: now + REMEMBER_MS });
  return row.shard;
}

/** Forgets every remembered answer: after a move's switch, or when a write met a move's fence. */
export function forgetOrganizationShards(): void {
  remembered.clear();
}

/**
 * For work outside a request (queue consumers, cron): each organization's shard database, with
 * primary reads and writes. Requests use their session's `shardDbFor` instead.
 */
export function shardDatabaseResolver(env: WorkerEnv, control: Database): (organizationId: string) => Promise<Database> {
  return async (organizationId) => database(shardSet(env).binding(await organizationShard(control, organizationId)));
}

/**
 * Where a new organization goes: the shard with the fewest stored events (the per-week counters,
 * not a scan), then the one with the fewest organizations, then the first named.
 */
export async function placeOrganization(control: Database, shards: { name: string; db: Database }[]): Promise<string> {
  const [events, organizationCounts] = await Promise.all([
    Promise.all(
      shards.map(async ({ db }) => {
        const [row] = await db.select({ events: sql<number>`coalesce(sum(${eventWeeks.eventCount}), 0)` }).from(eventWeeks);
        return row?.events ?? 0;
      }),
    ),
    control.select({ shard: organizations.shard, organizations: count() }).from(organizations).groupBy(organizations.shard),
  ]);
  const organizationsOn = new Map(organizationCounts.map((row) => [row.shard, row.organizations]));
  const ranked = shards
    .map(({ name }, index) => ({ name, index, events: events[index] ?? 0, organizations: organizationsOn.get(name) ?? 0 }))
    .sort((a, b) => a.events - b.events || a.organizations - b.organizations || a.index - b.index);
  const chosen = ranked[0];
  if (!chosen) throw new Error('No event shard is configured (EVENT_SHARDS).');
  return chosen.name;
}
