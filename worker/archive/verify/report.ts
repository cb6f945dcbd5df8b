/** What the verifier hands back, and how problems of one scope are collected. */

export interface VerifyReport {
  /** True when there is no problem. Notes do not make a report fail. */
  ok: boolean;
  /** Every mismatch found, each naming the file/field with expected vs actual. */
  problems: string[];
  /** What was checked and passed, human readable. */
  checks: string[];
  /** What was not checked and why (no manifest, no public key, …). Informational. */
  notes: string[];
  /** Events found in the day files that could be parsed. */
  records: number;
}

export interface ChainReport {
  ok: boolean;
  problems: string[];
  checks: string[];
  /** Informational, e.g. "chain starts outside the given manifests". */
  notes: string[];
}

/** At most this many problems per day file (or per chain) are listed; the rest are counted. */
export const MAX_PROBLEMS_PER_FILE = 20;

/**
 * Collects problems of one scope, listing at most `limit` and counting the rest, so one badly
 * broken file does not bury the others' messages.
 */
export class LimitedList {
  readonly items: string[] = [];
  private dropped = 0;
  private readonly limit: number;
  constructor(limit: number) {
    this.limit = limit;
  }
  add(item: string): void {
    if (this.items.length < this.limit) this.items.push(item);
    else this.dropped += 1;
  }
  get count(): number {
    return this.items.length + this.dropped;
  }
  flushInto(target: string[], scope: string): void {
    target.push(...this.items);
    if (this.dropped > 0) target.push(`${scope}: … and ${this.dropped} more problems not listed`);
  }
}
