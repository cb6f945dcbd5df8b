import { and, eq, gt, lte } from 'drizzle-orm';
import type { Database } from '../../db/client.ts';
import { auditCheckpoints, auditEvents } from '../../db/schema.ts';
import { orgKey } from '../event-store/index.ts';
import { ChainBrokenError, chainThrough } from '../integrity/index.ts';
import { rowText } from './row-json.ts';

/** A copy that does not match its source: the move fails and removes what it copied. */
export class MoveMismatchError extends Error {}

/** Where the verification stands: both shards agree through `sequence`; `chain` is chain(sequence), null once a gap stopped the chain. */
export interface Verified {
  sequence: number;
  chain: string | null;
}

const rowsBetween = (db: Database, organizationId: string, after: number, through: number) =>
  db
    .select({ row: rowText(auditEvents, ['org_key']).mapWith(String) })
    .from(auditEvents)
    .where(and(eq(auditEvents.orgKey, orgKey(organizationId)), gt(auditEvents.sequence, after), lte(auditEvents.sequence, through)))
    .orderBy(auditEvents.sequence);

/**
 * Verifies the target's copy of the organization's events in (from.sequence, through]:
 * 1. every row equal to the source's, column by column (id, sequence, times, content, the stored
 *    content hash, source and credential), none missing, none extra;
 * 2. the §17 hash chain walked over the target's rows (each content hash recomputed from the
 *    copied columns) equal to every checkpoint the source signed in the range. The chain needs
 *    every sequence: after a gap (events retention removed out of sequence order) only 1. applies.
 * Throws MoveMismatchError naming the first difference.
 */
export async function verifyStretch(
  source: Database,
  target: Database,
  organizationId: string,
  from: Verified,
  through: number,
): Promise<Verified> {
  const [expected, copied] = await Promise.all([
    rowsBetween(source, organizationId, from.sequence, through),
    rowsBetween(target, organizationId, from.sequence, through),
  ]);
  if (expected.length !== copied.length) {
    throw new MoveMismatchError(
      `the target holds ${copied.length} events in sequences ${from.sequence + 1}–${through}, the source ${expected.length}`,
    );
  }
  expected.forEach((row, index) => {
    if (copied[index]?.row !== row.row) {
      // rowText leads with the sequence.
      throw new MoveMismatchError(`the copy of sequence ${row.row.slice(0, row.row.indexOf(','))} differs from the source`);
    }
  });
  if (from.chain === null || expected.length === 0) return { sequence: through, chain: from.chain };
  const signed = await source
    .select({ sequence: auditCheckpoints.sequence, chainHash: auditCheckpoints.chainHash })
    .from(auditCheckpoints)
    .where(
      and(
        eq(auditCheckpoints.organizationId, organizationId),
        gt(auditCheckpoints.sequence, from.sequence),
        lte(auditCheckpoints.sequence, through),
      ),
    );
  const checkpoints = new Map(signed.map((row) => [row.sequence, row.chainHash]));
  try {
    const chain = await chainThrough(
      target,
      organizationId,
      { sequence: from.sequence, chainHash: from.chain },
      through,
      (sequence, hash) => {
        const signedHash = checkpoints.get(sequence);
        if (signedHash !== undefined && signedHash !== hash) {
          throw new MoveMismatchError(`the copy's chain hash at sequence ${sequence} differs from the checkpoint signed there`);
        }
      },
    );
    return { sequence: through, chain };
  } catch (error) {
    if (error instanceof ChainBrokenError) return { sequence: through, chain: null };
    throw error;
  }
}
