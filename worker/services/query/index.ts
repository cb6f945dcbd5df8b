/**
 * Reading events: the filtered list, counts, histogram, facets, the sequence stream, CSV/NDJSON exports and the Argo CD/Kargo extension reads.
 * The only door into this folder for code outside it (.dependency-cruiser.cjs).
 */
export { queryAuditLogs, queryInstanceAuditLogs } from './audit-logs.ts';
export { startExport } from './export.ts';
export { auditRecordsForInstance } from './extension-audit-records.ts';
export { facetValues } from './facets.ts';
export { auditLogHistogram } from './histogram.ts';
export { readStream } from './stream.ts';
