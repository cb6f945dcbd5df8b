import { and, asc, eq, gt, lte } from 'drizzle-orm';
import type { Database } from '../../db/client.ts';
import { auditEvents } from '../../db/schema.ts';
import type { CheckpointLink } from '../../events/checkpoint.ts';
import { contentHashOf, nextChainHash } from '../../events/content-hash.ts';
import { toEvent } from '../../events/event-shape.ts';
import { eventColumns, eventColumnsFromValues, orgKey } from '../event-store/index.ts';

/** Rows per D1 page of the walk. */
const PAGE_SIZE = 1000;

/**
 * The stored events do not form the unbroken sequence the chain needs: a row was deleted (a gap)
 * or inserted (a number twice). `sequence` is the first sequence affected.
 */
export class ChainBrokenError extends Error {
  readonly sequence: number;
  constructor(sequence: number, message: string) {
    super(message);
    this.sequence = sequence;
  }
}

function pageQuery(db: Database, organizationId: string, after: number, through: number) {
  return db
    .select(eventColumns)
    .from(auditEvents)
    .where(and(eq(auditEvents.orgKey, orgKey(organizationId)), gt(auditEvents.sequence, after), lte(auditEvents.sequence, through)))
    .orderBy(asc(auditEvents.sequence))
    .limit(PAGE_SIZE);
}

/**
 * chain(`through`) from a known chain hash at `from.sequence`: reads the events between in
 * ascending pages (the next page is read while this one is hashed), recomputing each event's
 * content hash from its stored columns. Throws ChainBrokenError at the first missing or repeated
 * sequence. Memory: one page.
 */
export async function chainThrough(db: Database, organizationId: string, from: CheckpointLink, through: number): Promise<string> {
  let chain = from.chainHash;
  let expected = from.sequence + 1;
  const fetch = async (after: number) => (await pageQuery(db, organizationId, after, through).values()).map(eventColumnsFromValues);
  let pending: Promise<ReturnType<typeof eventColumnsFromValues>[]> | null = expected <= through ? fetch(from.sequence) : null;
  try {
    while (pending) {
      const rows = await pending;
      const last = rows.at(-1);
      pending = last && rows.length === PAGE_SIZE && last.sequence < through ? fetch(last.sequence) : null;
      for (const row of rows) {
        if (row.sequence !== expected) {
          if (row.sequence < expected) throw new ChainBrokenError(row.sequence, `sequence ${row.sequence} is stored twice`);
          throw new ChainBrokenError(expected, `sequence ${expected} is missing (the next stored event has sequence ${row.sequence})`);
        }
        chain = nextChainHash(chain, contentHashOf(toEvent(organizationId, row)));
        expected += 1;
      }
    }
  } finally {
    pending?.catch(() => undefined);
  }
  if (expected <= through) throw new ChainBrokenError(expected, `sequence ${expected} is missing (no stored event after ${expected - 1})`);
  return chain;
}
