/**
 * Moving an organization between shards, online (docs/OPERATIONS.md, "Moving an organization"):
 * starting a move, its state, and the steps its Durable Object runs (copy, verify, switch, cleanup).
 * The only door into this folder for code outside it.
 */
export { toMove } from './records.ts';
export { requireLatestMove, startMove } from './start.ts';
export { CLEANUP_DELAY_MS, type MoveDeps, type ObservePiece, runMoveStep } from './step.ts';
