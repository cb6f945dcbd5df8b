import type { Database } from '../db/client';
import { CSV_HEADER, csvLine, csvRecord, ndjsonRecord } from '../events/export-format';
import { allMatchingRows, type AuditLogFilters } from './audit-log-query';

export type ExportFormat = 'csv' | 'ndjson';

/**
 * Every matching event as a byte stream, newest first. Rows are pulled one keyset page at a time
 * only when the client reads, so memory stays at one page however many events match.
 */
export function exportStream(
  db: Database,
  organizationId: string,
  filters: AuditLogFilters,
  format: ExportFormat,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const pages = allMatchingRows(db, organizationId, filters);
  const formatRow = format === 'csv' ? csvRecord : ndjsonRecord;
  let headerSent = format !== 'csv';
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (!headerSent) {
          headerSent = true;
          controller.enqueue(encoder.encode(csvLine([...CSV_HEADER])));
          return;
        }
        const next = await pages.next();
        if (next.done) {
          controller.close();
          return;
        }
        controller.enqueue(encoder.encode(next.value.map(formatRow).join('')));
      },
      async cancel() {
        await pages.return(undefined);
      },
    },
    { highWaterMark: 1 },
  );
}
