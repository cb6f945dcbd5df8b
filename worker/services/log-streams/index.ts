/**
 * Log streams (docs/STREAMS.md): their configuration, the test batch, the delivery engine and archive export.
 * The only door into this folder for code outside it (.dependency-cruiser.cjs).
 */
export { type ArchiveExport, addPendingExport, exportNextArchive, requestArchiveExports } from './archive-export.ts';
export { createStream, deleteStream, getStream, listStreams, streamRow, updateStream } from './configs.ts';
export { runStream } from './deliver.ts';
export { listDeliveries, purgeStreamDeliveries } from './deliveries.ts';
export { streamRunDeps, wakeStream, wakeStreams } from './runner-deps.ts';
export { testStream } from './test-send.ts';
