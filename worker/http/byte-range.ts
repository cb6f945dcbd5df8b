/**
 * The byte-range part of RFC 9110 (§14) for one stored object: which bytes a GET answers with.
 * Only a single range is served; multiple ranges and anything unparsable get the whole
 * representation (200), as the RFC allows. A range that starts past the end is unsatisfiable (416).
 */
export type RangeDecision = { kind: 'full' } | { kind: 'partial'; offset: number; length: number } | { kind: 'unsatisfiable' };

const SINGLE_RANGE = /^bytes[ \t]*=[ \t]*(\d*)[ \t]*-[ \t]*(\d*)[ \t]*$/i;

export function decideRange(rangeHeader: string | undefined, size: number): RangeDecision {
  if (rangeHeader === undefined) return { kind: 'full' };
  const match = SINGLE_RANGE.exec(rangeHeader);
  if (!match) return { kind: 'full' };
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return { kind: 'full' };
  if (first === '') {
    // Suffix range: the last N bytes.
    const suffix = Number(last);
    if (!Number.isSafeInteger(suffix)) return { kind: 'full' };
    if (suffix === 0 || size === 0) return { kind: 'unsatisfiable' };
    const length = Math.min(suffix, size);
    return { kind: 'partial', offset: size - length, length };
  }
  const offset = Number(first);
  const end = last === '' ? size - 1 : Number(last);
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(end)) return { kind: 'full' };
  if (last !== '' && Number(last) < offset) return { kind: 'full' };
  if (offset >= size) return { kind: 'unsatisfiable' };
  return { kind: 'partial', offset, length: Math.min(end, size - 1) - offset + 1 };
}

/** If-Range with an entity tag that is not the current one (or a date: ours are not remembered) voids the Range. */
export function rangeStillValid(ifRange: string | undefined, currentEtag: string): boolean {
  if (ifRange === undefined) return true;
  const tag = ifRange.trim();
  // Strong comparison only (RFC 9110 §13.1.5): a weak tag never matches.
  return !tag.startsWith('W/') && tag === currentEtag;
}

/** If-None-Match: `*` or any listed tag equal to the current one (weak comparison). */
export function noneMatch(ifNoneMatch: string | undefined, currentEtag: string): boolean {
  if (ifNoneMatch === undefined) return false;
  const strip = (tag: string) => tag.trim().replace(/^W\//, '');
  return ifNoneMatch.split(',').some((tag) => tag.trim() === '*' || strip(tag) === strip(currentEtag));
}
