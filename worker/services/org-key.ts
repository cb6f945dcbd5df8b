import { sql } from 'drizzle-orm';

/**
 * The small integer an organization's events carry instead of its text id (see db/schema.ts,
 * auditEvents), as an SQL subquery: SQLite evaluates it once per statement and then uses it like a
 * constant, so `org_key = (…)` still serves every plan from the organization's index ranges.
 */
export const orgKey = (organizationId: string) =>
  sql`(SELECT org_key FROM organization_sequences WHERE organization_id = ${organizationId})`;
