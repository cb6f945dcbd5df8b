/**
 * Every table, for the code that reads and writes them: the main database's (schema/main.ts) and
 * a shard's (schema/shard.ts). drizzle-kit reads those two files (drizzle.config.ts); this file
 * only re-exports them, so `db/schema.ts` stays the one import for services.
 */
export type { EventSource, InstanceType, KeyRole, Role } from '../contract/enums.ts';
export { SOURCE_CODES } from '../contract/enums.ts';
export * from './schema/checkpoints.ts';
export * from './schema/identity.ts';
export * from './schema/main.ts';
export * from './schema/moves.ts';
export * from './schema/saved-views.ts';
export * from './schema/shard.ts';
export * from './schema/streams.ts';
