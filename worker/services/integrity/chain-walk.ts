import { and, asc, eq, gt, lte } from 'drizzle-orm';
import type { Database } from '../../db/client.ts';
import { auditEvents } from '../../db/schema.ts';
import type { CheckpointLink } from '../../events/checkpoint.ts';
import { nextChainHash } from '../../events/content-hash.ts';
import { rowContentHash } from '../../events/row-content-hash.ts';
import { eventColumns, eventColumnsFromValues, orgKey } from '../event-store/index.ts';

/** Rows per D1 page of the walk. */
const PAGE_SIZE = 1000;

/**
 * The stored events do not form the chain they should: a row was deleted (a gap) or inserted (a
 * number twice), or (found by the scrub, scrub.ts) they no longer hash to a signed checkpoint.
 * `sequence` is the first sequence affected; `through`, when the chain only narrows it to a range
 * (an altered, reordered or inserted event), the range's last sequence.
 */
export class ChainBrokenError extends Error {
  readonly sequence: number;
  readonly through: number | null;
  constructor(sequence: number, message: string, through: number | null = null) {
    super(message);
    this.sequence = sequence;
    this.through = through;
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
 * sequence. `check`, when given, sees chain(n) at every n (and may throw). Memory: one page.
 */
export async function chainThrough(
  db: Database,
  organizationId: string,
  from: CheckpointLink,
  through: number,
  check?: (sequence: number, chain: string) => void,
): Promise<string> {
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
        chain = nextChainHash(chain, rowContentHash(organizationId, row));
        check?.(expected, chain);
        expected += 1;
      }
    }
  } finally {
    pending?.catch(() => undefined);
  }
  if (expected <= through) throw new ChainBrokenError(expected, `sequence ${expected} is missing (no stored event after ${expected - 1})`);
  return chain;
}
