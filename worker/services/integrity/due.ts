import { sql } from 'drizzle-orm';
import type { Database } from '../../db/client.ts';
import { auditCheckpoints, organizationSequences } from '../../db/schema.ts';

/**
 * Organizations of this shard with events after their latest checkpoint (or none yet), the
 * longest-unsigned first (the hourly job's order, so a bounded run starves nobody for long).
 */
export async function organizationsDueForCheckpoint(db: Database): Promise<{ organizationId: string; unsigned: number }[]> {
  const rows = await db.all<{ organization_id: string; unsigned: number }>(sql`
    SELECT s.organization_id, s.last_sequence - coalesce(
      (SELECT max(c.sequence) FROM ${auditCheckpoints} c WHERE c.organization_id = s.organization_id), 0) AS unsigned
    FROM ${organizationSequences} s
    WHERE s.last_sequence > coalesce((SELECT max(c.sequence) FROM ${auditCheckpoints} c WHERE c.organization_id = s.organization_id), 0)
    ORDER BY unsigned DESC`);
  return rows.map((row) => ({ organizationId: row.organization_id, unsigned: row.unsigned }));
}
