import { getTableColumns } from 'drizzle-orm';
import { auditEvents } from '../db/schema';

const { orgKey: _orgKey, receivedAt: _receivedAt, contentHash: _contentHash, ...shown } = getTableColumns(auditEvents);

/**
 * The columns an event is shown from (events/event-shape.ts, EventColumns): reads select these
 * rather than the whole row, so pages carry no organization key, receipt time or 16-byte hash
 * (D1 hands a blob over as an array of numbers, which a million-row export would pay for).
 */
export const eventColumns = shown;
