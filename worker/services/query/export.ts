import type { Database } from '../../db/client.ts';
import type { EventColumns } from '../../events/event-shape.ts';
import { CSV_HEADER, csvLine, csvRecord, ndjsonRecordWriter } from '../../events/export-format.ts';
import type { ResolvedFilters } from '../../events/filters.ts';
import { type ChangeContext, managementEvent } from '../../events/management-event.ts';
import { recordChange } from '../event-store/index.ts';
import { allMatchingRows } from './audit-logs.ts';

type ExportFormat = 'csv' | 'ndjson';

export interface ExportRequest {
  format: ExportFormat;
  filters: ResolvedFilters;
  /** The filters as the caller wrote them, recorded in the export event. */
  filterParameters: Record<string, unknown>;
  /** At most this many events (null: all), after skipping `offset`. */
  limit: number | null;
  offset: number;
}

/**
 * Starts an export: the first page is read before anything is recorded or sent, so a query that
 * fails is an ordinary problem answer and records nothing. Then the `export` event is recorded
 * (once), and the rest streams one keyset page at a time as the client reads, so memory stays at
 * one page however many events match.
 */
export async function startExport(
  db: Database,
  organizationId: string,
  request: ExportRequest,
  context: Pick<ChangeContext, 'principal' | 'ip' | 'now'>,
): Promise<ReadableStream<Uint8Array>> {
  const pages = allMatchingRows(db, organizationId, request.filters, { limit: request.limit, offset: request.offset });
  const first = await pages.next();
  const event = managementEvent(context, {
    action: 'export',
    objectType: 'audit_log_archive',
    objectName: `audit-logs.${request.format}`,
    instanceId: null,
    message: `Exported audit logs as ${request.format.toUpperCase()}`,
    extra: { format: request.format, filters: request.filterParameters },
  });
  try {
    await recordChange(db, organizationId, event, context.now);
  } catch (error) {
    await pages.return(undefined);
    throw error;
  }
  return exportStream(organizationId, first.done ? null : first.value, pages, request.format);
}

function exportStream(
  organizationId: string,
  firstPage: EventColumns[] | null,
  pages: AsyncGenerator<EventColumns[]>,
  format: ExportFormat,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const line = format === 'csv' ? (row: EventColumns) => csvRecord(organizationId, row) : ndjsonRecordWriter(organizationId);
  let pending: EventColumns[] | null = firstPage;
  let headerSent = format !== 'csv';
  const finished = firstPage === null;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (!headerSent) {
          headerSent = true;
          controller.enqueue(encoder.encode(csvLine([...CSV_HEADER])));
          return;
        }
        if (pending) {
          controller.enqueue(encoder.encode(pending.map(line).join('')));
          pending = null;
          return;
        }
        const next = finished ? { done: true as const, value: undefined } : await pages.next();
        if (next.done) {
          controller.close();
          return;
        }
        controller.enqueue(encoder.encode(next.value.map(line).join('')));
      },
      async cancel() {
        await pages.return(undefined);
      },
    },
    { highWaterMark: 1 },
  );
}
