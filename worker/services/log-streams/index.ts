/**
 * Log streams (docs/STREAMS.md): their configuration, the test batch, and the delivery engine.
 * The only door into this folder for code outside it (.dependency-cruiser.cjs).
 */
export { createStream, deleteStream, getStream, listStreams, streamRow, updateStream } from './configs.ts';
export { runStream } from './deliver.ts';
export { listDeliveries, purgeStreamDeliveries } from './deliveries.ts';
export { streamRunDeps, wakeStream, wakeStreams } from './runner-deps.ts';
export { testStream } from './test-send.ts';
