/**
 * Log streams (docs/STREAMS.md): their configuration and the test batch. The only door into this
 * folder for code outside it (.dependency-cruiser.cjs). The delivery engine comes later.
 */
export { createStream, deleteStream, getStream, listStreams, streamRow, updateStream } from './configs.ts';
export { listDeliveries } from './deliveries.ts';
export { testStream } from './test-send.ts';
