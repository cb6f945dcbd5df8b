import { type SQLWrapper, sql } from 'drizzle-orm';

/**
 * The small integer an organization's events carry instead of its text id (see db/schema/shard.ts,
 * auditEvents), as an SQL subquery: SQLite evaluates it once per statement and then uses it like a
 * constant, so `org_key = (…)` still serves every plan from the organization's index ranges.
 * Given a column instead of an id, it is the key of that row's organization (a correlated subquery).
 */
export const orgKey = (organizationId: string | SQLWrapper) =>
  sql`(SELECT org_key FROM organization_sequences WHERE organization_id = ${organizationId})`;
