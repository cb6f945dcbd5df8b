import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { database } from '../worker/db/client.ts';
import { activeConfigQuery } from '../worker/services/webhooks/configs.ts';
import { pageQuery } from '../worker/services/webhooks/dispatch.ts';
import { historyQuery } from '../worker/services/webhooks/history.ts';

/** SQLite's plan of a Drizzle query, one line per step. */
async function plan(query: { toSQL(): { sql: string; params: unknown[] } }, d1: D1Database): Promise<string[]> {
  const { sql, params } = query.toSQL();
  const rows = await d1
    .prepare(`EXPLAIN QUERY PLAN ${sql}`)
    .bind(...params)
    .all<{ detail: string }>();
  return rows.results.map((row) => row.detail);
}

// Events and deliveries are read in a shard, configs in the main database: each plan on its own side.
describe('webhook query plans', () => {
  const control = database(env.DB);
  const shard = database(env.SHARD_1);

  it('the dispatcher reads events by (organization, sequence) from the shard', async () => {
    const steps = await plan(pageQuery(shard, 'org_x', 10), env.SHARD_1);
    expect(steps.join('\n')).toMatch(
      /SEARCH (audit_events|audit_events AS \w+) USING INDEX audit_events_sequence \(org_key=\? AND sequence>\?\)/,
    );
    expect(steps.join('\n')).not.toMatch(/SCAN|TEMP B-TREE/);
  });

  it('the history page is a range of (config, id) with a primary-key lookup per attempt', async () => {
    const steps = (await plan(historyQuery(shard, 'org_x', 'nc_x', { limit: 20, offset: 0 }), env.SHARD_1)).join('\n');
    expect(steps).toMatch(/SEARCH webhook_deliveries USING INDEX webhook_deliveries_config_id \(config_id=\?\)/);
    expect(steps).toMatch(
      /SEARCH webhook_attempts USING (INDEX sqlite_autoindex_webhook_attempts_1|PRIMARY KEY) \(delivery_id=\? AND attempt=\?\)/,
    );
    expect(steps).not.toMatch(/SCAN|TEMP B-TREE/);
  });

  it("the nudge's lookup after each write is one probe of the partial index of active webhooks", async () => {
    const steps = (await plan(activeConfigQuery(control, 'org_x'), env.DB)).join('\n');
    expect(steps).toMatch(/SEARCH notification_configs USING INDEX notification_configs_active \(organization_id=\?\)/);
    expect(steps).not.toMatch(/SCAN/);
  });
});
