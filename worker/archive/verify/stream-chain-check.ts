/**
 * Proves a copy of an organization's events (stream pages, an NDJSON export: events in ascending
 * sequence) complete and unaltered against signed checkpoints (checkpoint-check.ts): every
 * sequence once, each content hash recomputed, and the hash chain equal to every checkpoint it
 * passes. Names the first sequence affected. Pure and runtime-agnostic (docs/INTEGRITY.md).
 *
 * What "first sequence affected" can mean: a missing or repeated sequence is named exactly; an
 * altered, reordered or inserted event shows as a chain that differs at the next checkpoint, so
 * the finding names the first sequence after the last checkpoint that still matched (the change
 * is in that span; with hourly checkpoints, that hour). An event that carries a `contentHash`
 * other than its recomputed one is named exactly.
 */
import type { Checkpoint } from '../../events/checkpoint.ts';
import { contentHashOf, GENESIS_CHAIN_HASH, nextChainHash } from '../../events/content-hash.ts';
import { describeValue, isObject } from './values.ts';

export interface StreamChainResult {
  /** Empty when the copy verifies. */
  problems: string[];
  /** The first sequence a problem concerns (null when none). */
  firstAffectedSequence: number | null;
  /** The highest checkpoint sequence the copy was proven equal to (null when none). */
  verifiedThrough: number | null;
  events: number;
  notes: string[];
}

/**
 * Feed events in order with `add`, then `finish`. Stops checking at the first problem (what
 * follows a gap or a broken chain cannot be proven either). `checkpoints`: valid, ascending.
 */
export class StreamChainCheck {
  readonly #checkpoints: Map<number, Checkpoint>;
  readonly #links: Map<number, string>;
  readonly #lastCheckpoint: number | null;
  #chain: string | null = null;
  #previousSequence: number | null = null;
  #lastMatched: number | null = null;
  #startSequence = 0;
  #events = 0;
  #problem: { sequence: number; message: string } | null = null;
  readonly #notes: string[] = [];

  constructor(checkpoints: readonly Checkpoint[]) {
    this.#checkpoints = new Map(checkpoints.map((checkpoint) => [checkpoint.sequence, checkpoint]));
    // Chain hashes a copy may start from: every checkpoint and every checkpoint's predecessor.
    this.#links = new Map();
    for (const checkpoint of checkpoints) {
      this.#links.set(checkpoint.sequence, checkpoint.chainHash);
      if (checkpoint.previousCheckpoint) this.#links.set(checkpoint.previousCheckpoint.sequence, checkpoint.previousCheckpoint.chainHash);
    }
    this.#lastCheckpoint = checkpoints.at(-1)?.sequence ?? null;
  }

  #fail(sequence: number, message: string): void {
    this.#problem = { sequence, message };
  }

  add(event: unknown): void {
    if (this.#problem) return;
    const position = this.#events + 1;
    this.#events = position;
    if (!isObject(event) || !Number.isSafeInteger(event.sequence) || (event.sequence as number) < 1) {
      const after = this.#previousSequence ?? 0;
      this.#fail(after + 1, `event #${position}: no valid sequence (${describeValue(isObject(event) ? event.sequence : event)})`);
      return;
    }
    const sequence = event.sequence as number;
    if (this.#chain === null || this.#previousSequence === null) {
      if (!this.#start(sequence)) return;
    } else if (sequence !== this.#previousSequence + 1) {
      const expected = this.#previousSequence + 1;
      if (sequence <= this.#previousSequence)
        this.#fail(sequence, `sequence ${sequence} appears again (or out of order) after sequence ${this.#previousSequence}`);
      else this.#fail(expected, `sequence ${expected} is missing (the next event has sequence ${sequence})`);
      return;
    }
    const contentHash = contentHashOf(event);
    if (typeof event.contentHash === 'string' && event.contentHash !== contentHash) {
      this.#fail(sequence, `sequence ${sequence}: its contentHash ${event.contentHash} is not the hash of its content (${contentHash})`);
      return;
    }
    this.#chain = nextChainHash(this.#chain ?? GENESIS_CHAIN_HASH, contentHash);
    this.#previousSequence = sequence;
    const checkpoint = this.#checkpoints.get(sequence);
    if (!checkpoint) return;
    if (checkpoint.chainHash === this.#chain) {
      this.#lastMatched = sequence;
      return;
    }
    const from = (this.#lastMatched ?? this.#startSequence) + 1;
    this.#fail(
      from,
      `the chain at sequence ${sequence} differs from its signed checkpoint: an event in ${from}..${sequence} was altered, reordered, inserted or removed (the first sequence affected is at or after ${from})`,
    );
  }

  /** The chain hash the copy's first event continues from: genesis at 1, else a checkpoint's. */
  #start(sequence: number): boolean {
    const start = sequence === 1 ? GENESIS_CHAIN_HASH : this.#links.get(sequence - 1);
    if (start === undefined) {
      this.#fail(sequence, `the copy starts at sequence ${sequence}, and no checkpoint is at ${sequence - 1} to continue the chain from`);
      return false;
    }
    this.#chain = start;
    this.#startSequence = sequence - 1;
    this.#previousSequence = sequence - 1;
    return true;
  }

  finish(): StreamChainResult {
    const problems: string[] = [];
    let first: number | null = null;
    if (this.#problem) {
      problems.push(this.#problem.message);
      first = this.#problem.sequence;
    } else if (this.#lastCheckpoint !== null && (this.#previousSequence ?? 0) < this.#lastCheckpoint) {
      const next = (this.#previousSequence ?? 0) + 1;
      problems.push(
        `the copy ends at sequence ${next - 1}, but a signed checkpoint proves events through ${this.#lastCheckpoint}: sequence ${next} is missing`,
      );
      first = next;
    } else if (this.#lastCheckpoint === null) {
      problems.push('no checkpoint to compare the chain with');
    }
    const last = this.#previousSequence ?? 0;
    if (!this.#problem && this.#lastCheckpoint !== null && last > this.#lastCheckpoint)
      this.#notes.push(`sequences ${this.#lastCheckpoint + 1}..${last} are after the latest checkpoint: not proven yet`);
    return { problems, firstAffectedSequence: first, verifiedThrough: this.#lastMatched, events: this.#events, notes: this.#notes };
  }
}
