import { eventLineWriter } from './event-line.ts';
import type { EventColumns } from './event-shape.ts';
import { rowContentHash } from './row-content-hash.ts';

export const CSV_HEADER = [
  'id',
  'timestamp',
  'organizationId',
  'instanceId',
  'action',
  'actorType',
  'actorId',
  'actorIp',
  'objectType',
  'objectName',
  'objectKind',
  'objectGroup',
  'parentName',
  'parentParentName',
  'parentApplicationName',
  'objectNamespace',
  'parentKargoProjectName',
  'detailsMessage',
  'detailsActionType',
  'detailsPatch',
  'detailsExtra',
  'source',
  'sourceKeyId',
  'credentialType',
  'credentialId',
  'sequence',
  // The event's contentHash (docs/INTEGRITY.md): of the event as the API returns it, not of this line.
  'contentHash',
] as const;

/**
 * One RFC 4180 cell. Text a spreadsheet would run as a formula (leading = + - @, or a tab/CR that
 * some apps strip first) gets a leading apostrophe, the OWASP-recommended guard.
 */
function csvCell(value: string | null): string {
  if (value === null || value === '') return '';
  const guarded = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(guarded) ? `"${guarded.replaceAll('"', '""')}"` : guarded;
}

export function csvLine(values: (string | null)[]): string {
  return `${values.map(csvCell).join(',')}\r\n`;
}

export function csvRecord(organizationId: string, row: EventColumns): string {
  return csvLine([
    row.id,
    new Date(row.timestamp).toISOString(),
    organizationId,
    row.instanceId,
    row.action,
    row.actorType,
    row.actorId,
    row.actorIp,
    row.objectType,
    row.objectName,
    row.objectKind,
    row.objectGroup,
    row.parentName,
    row.parentParentName,
    row.parentApplicationName,
    row.objectNamespace,
    row.parentKargoProjectName,
    row.detailsMessage,
    row.detailsActionType,
    row.detailsPatch,
    row.detailsJson,
    row.source,
    row.sourceKeyId,
    row.credentialType,
    row.credentialId,
    String(row.sequence),
    rowContentHash(organizationId, row),
  ]);
}

/** One NDJSON line per row: the event's JSON (events/event-line.ts writes it straight from the row). */
export function ndjsonRecordWriter(organizationId: string): (row: EventColumns) => string {
  const line = eventLineWriter(organizationId);
  return (row) => `${line(row)}\n`;
}
