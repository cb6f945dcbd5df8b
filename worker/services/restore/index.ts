/**
 * Restore from archives: verify a week's signed archive in R2 and put its missing events back into the organization's shard, unchanged.
 * The only door into this folder for code outside it (.dependency-cruiser.cjs).
 */
export { restoreWeeks } from './restore.ts';
