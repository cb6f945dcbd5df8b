/**
 * Storing sent events (validation is contract/ingest.ts): ids, duplicates, sequence numbers, the search index, all in one batch.
 * The only door into this folder for code outside it (.dependency-cruiser.cjs).
 */
export { ingest } from './ingest.ts';
