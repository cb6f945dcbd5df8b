/**
 * The organization's hash chain and its signed checkpoints (docs/INTEGRITY.md, "Checkpoints"):
 * creating one (hourly, on request, at an archive's last sequence, before retention), listing
 * them. The only door into this folder for code outside it.
 */
export { ChainBrokenError, chainThrough } from './chain-walk.ts';
export { listCheckpoints } from './checkpoint-rows.ts';
export { checkpointCoversRange } from './coverage.ts';
export { chainHashAt, createCheckpoint } from './create-checkpoint.ts';
export { organizationsDueForCheckpoint } from './due.ts';
export { requestCheckpoint } from './request.ts';
