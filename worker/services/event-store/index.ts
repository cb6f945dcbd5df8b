/**
 * The events tables every domain shares: the organization key, event rows and columns, recorded change events, shard routing, the search index backfill.
 * The only door into this folder for code outside it (.dependency-cruiser.cjs).
 */
export { eventColumns, eventColumnsFromValues } from './event-columns.ts';
export { isEventIdCollision, type PreparedEvents, prepareEvents, recordChange, storeStatements } from './event-rows.ts';
export { jsonChunks } from './json-chunks.ts';
export { lastStoredSequence } from './last-sequence.ts';
export { fenceCheck, metMoveFence, organizationMoving } from './move-fence.ts';
export { orgKey } from './org-key.ts';
export { deliverPendingEvents, recordChangeStatements } from './pending-events.ts';
export { backfillSearch } from './search-backfill.ts';
export { forgetOrganizationShards, organizationShard, placeOrganization, REMEMBER_MS, shardDatabaseResolver } from './shard-routing.ts';
