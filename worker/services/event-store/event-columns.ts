import { getTableColumns } from 'drizzle-orm';
import { auditEvents } from '../../db/schema.ts';
import type { EventColumns } from '../../events/event-shape.ts';

const { orgKey: _orgKey, receivedAt: _receivedAt, contentHash: _contentHash, ...shown } = getTableColumns(auditEvents);

/**
 * The columns an event is shown from (events/event-shape.ts, EventColumns): reads select these
 * rather than the whole row, so pages carry no organization key, receipt time or 16-byte hash
 * (D1 hands a blob over as an array of numbers, which a million-row export would pay for).
 */
export const eventColumns = shown;

type ShownColumn = (typeof shown)[keyof typeof shown];
const shownKeys = Object.keys(shown) as (keyof typeof shown)[];
const shownDecoders = Object.values(shown).map((column: ShownColumn) => (value: unknown) => column.mapFromDriverValue(value as never));

/**
 * A row read with `.values()` (D1's arrays, columns in `eventColumns` order, which is the order
 * Drizzle selects them in) → the object Drizzle would map it to. For the reads of every row of a
 * week or an export: Drizzle's generic mapper checks each field's kind and path per cell
 * (profiled: ~12 % of an archive build).
 */
export function eventColumnsFromValues(values: unknown[]): EventColumns {
  const row: Record<string, unknown> = {};
  for (let index = 0; index < shownKeys.length; index += 1) {
    const value = values[index];
    row[shownKeys[index] as string] =
      value === null || value === undefined ? null : (shownDecoders[index] as (raw: unknown) => unknown)(value);
  }
  return row as unknown as EventColumns;
}
