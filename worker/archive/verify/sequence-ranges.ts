/**
 * Sets of sequence numbers as sorted runs. Sequences are per organization, 1, 2, 3, … in commit
 * order, so a complete set is one run from 1; anything else is a gap or a repeat worth naming.
 * Numbers live in sorted Float64Arrays: a year of events is millions of them, and a typed array
 * sorts numerically and holds them in 8 bytes each.
 */

/** Inclusive on both ends. */
export interface SequenceRange {
  first: number;
  last: number;
}

export interface RepeatedSequence {
  sequence: number;
  /** How many events carry it (≥ 2). */
  count: number;
}

export function sortedSequences(sequences: readonly number[] | Float64Array): Float64Array {
  return Float64Array.from(sequences).sort();
}

/** Merges sorted arrays into one sorted array, repeats kept. */
export function mergeSorted(parts: readonly Float64Array[]): Float64Array {
  const merged = new Float64Array(parts.reduce((total, part) => total + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    merged.set(part, offset);
    offset += part.length;
  }
  return merged.sort();
}

/** The runs of consecutive numbers in a sorted array, and the numbers that occur more than once. */
export function runsOf(sorted: Float64Array): { runs: SequenceRange[]; repeated: RepeatedSequence[] } {
  const runs: SequenceRange[] = [];
  const repeated: RepeatedSequence[] = [];
  let current: SequenceRange | null = null;
  for (let index = 0; index < sorted.length; index += 1) {
    const value = sorted[index] ?? 0;
    if (current && value === current.last) {
      const last = repeated[repeated.length - 1];
      if (last && last.sequence === value) last.count += 1;
      else repeated.push({ sequence: value, count: 2 });
    } else if (current && value === current.last + 1) current.last = value;
    else {
      current = { first: value, last: value };
      runs.push(current);
    }
  }
  return { runs, repeated };
}

/** The numbers in 1..through that no run covers. */
export function gapsThrough(runs: readonly SequenceRange[], through: number): SequenceRange[] {
  const gaps: SequenceRange[] = [];
  let next = 1;
  for (const run of runs) {
    if (next > through) break;
    if (run.first > next) gaps.push({ first: next, last: Math.min(run.first - 1, through) });
    next = Math.max(next, run.last + 1);
  }
  if (next <= through) gaps.push({ first: next, last: through });
  return gaps;
}

export const rangeSize = (ranges: readonly SequenceRange[]): number =>
  ranges.reduce((total, range) => total + range.last - range.first + 1, 0);

/** `1–3420, 3422, 3424–3500`, listing at most `limit` ranges. */
export function formatRanges(ranges: readonly SequenceRange[], limit = 50): string {
  if (ranges.length === 0) return 'none';
  const shown = ranges.slice(0, limit).map((range) => (range.first === range.last ? `${range.first}` : `${range.first}–${range.last}`));
  if (ranges.length > limit) shown.push(`… and ${ranges.length - limit} more ranges`);
  return shown.join(', ');
}

/** How many times `value` occurs in a sorted array (binary search). */
export function occurrences(sorted: Float64Array, value: number): number {
  const firstAtLeast = (target: number) => {
    let low = 0;
    let high = sorted.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((sorted[middle] ?? 0) < target) low = middle + 1;
      else high = middle;
    }
    return low;
  };
  return firstAtLeast(value + 1) - firstAtLeast(value);
}

/** The numbers of sorted `subset` that sorted `superset` lacks, as runs. */
export function missingFrom(subset: Float64Array, superset: Float64Array): SequenceRange[] {
  const missing: number[] = [];
  let cursor = 0;
  for (const value of subset) {
    while (cursor < superset.length && (superset[cursor] ?? 0) < value) cursor += 1;
    if (superset[cursor] !== value) missing.push(value);
  }
  return runsOf(Float64Array.from(missing)).runs;
}
