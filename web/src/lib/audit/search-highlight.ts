// What the search matched, marked in the text the table and the details show. Read from the same
// URL the list was fetched for (the Worker's answer is the authority on which events match; this
// only says why a shown event did): plain words match the start of a word, any case, accents
// ignored (as the Worker's search index tokenizes, worker/events/search-text.ts); a phrase marks
// its words; `actor:`, `action:`, `type:`, `object:` and the matching filter fields mark the whole
// value they equal (actor, action and object type in any case); `ip:` and a pasted address mark the actor's
// address. Text is split into segments the components render as text: never HTML.
import type { AuditFilters } from './audit-filters.ts';
import { queryChips, tokenize } from './search-query.ts';

/** The fields a whole-value qualifier marks. */
export type MarkedField = 'actor' | 'action' | 'type' | 'object' | 'ip';

/**
 * A searched word or phrase as the index reads it: its tokens in a row, folded (lower case, no
 * accents). A plain word's last token matches the start of a word ("guestb", "v1.2" = v1 then 2…);
 * a quoted phrase's tokens match whole words.
 */
export interface SearchTerm {
  tokens: string[];
  prefixLast: boolean;
}

export interface SearchMarks {
  terms: SearchTerm[];
  /** Whole values per field; an empty list marks nothing of that field. */
  values: Record<MarkedField, string[]>;
  /** Some `ip:` (or a pasted address) narrows the list: every shown actor address is one it matched. */
  ip: boolean;
}

export interface Segment {
  text: string;
  mark: boolean;
}

/** A letter or digit folded as the search index folds it: NFKD without marks, lower case. */
const fold = (text: string): string => text.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();

const searchTokens = (text: string): string[] =>
  fold(text)
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);

/** Whether a plain word is an IP address or prefix (the Worker reads it as `ip:`); mirrors search-grammar.ts loosely. */
const looksLikeIp = (word: string): boolean =>
  /^(?:\d{1,3}\.){2,3}(?:\d{1,3})?(?:\/\d{1,3})?$/.test(word) || (/^[0-9a-fA-F:]+(?:\/\d{1,3})?$/.test(word) && word.includes('::'));

let cached: { search: string; marks: SearchMarks } | null = null;

/** The marks of a page's query string, worked out once per URL (every marked text of the page asks). */
export function marksOfSearch(search: string, read: (search: string) => SearchMarks): SearchMarks {
  if (cached?.search !== search) cached = { search, marks: read(search) };
  return cached.marks;
}

export function searchMarks(filters: Pick<AuditFilters, 'q' | 'actors' | 'actions' | 'objectTypes'>): SearchMarks {
  const marks: SearchMarks = {
    terms: [],
    values: { actor: [...filters.actors], action: [...filters.actions], type: [...filters.objectTypes], object: [], ip: [] },
    ip: false,
  };
  for (const chip of queryChips(filters.q)) {
    if (chip.negated) continue;
    if (chip.qualifier === 'ip') marks.ip = true;
    else if (chip.qualifier === 'actor' || chip.qualifier === 'action' || chip.qualifier === 'type' || chip.qualifier === 'object') {
      marks.values[chip.qualifier].push(...chip.values);
    }
  }
  for (const token of tokenize(filters.q) ?? []) {
    const phrase = token.startsWith('"');
    if (!phrase && (token.includes(':') || token.startsWith('-')) && !looksLikeIp(token)) continue;
    if (!phrase && looksLikeIp(token)) {
      marks.ip = true;
      continue;
    }
    const tokens = searchTokens(phrase ? token.slice(1, -1) : token);
    if (tokens.length > 0) marks.terms.push({ tokens, prefixLast: !phrase });
  }
  return marks;
}

/** Whether the term matches the words from `start` on (already folded). */
function matchesAt(words: readonly string[], start: number, term: SearchTerm): boolean {
  return term.tokens.every((token, offset) => {
    const word = words[start + offset];
    if (word === undefined) return false;
    return term.prefixLast && offset === term.tokens.length - 1 ? word.startsWith(token) : word === token;
  });
}

/**
 * Marks every run of words a term matches (a phrase's words and what lies between them as one
 * mark). Words are runs of letters and digits, as the index splits text; everything else is kept
 * as it is, so the segments always join back into the text.
 */
export function wordSegments(text: string, terms: readonly SearchTerm[]): Segment[] {
  if (terms.length === 0 || text === '') return [{ text, mark: false }];
  const found = [...text.matchAll(/[\p{L}\p{M}\p{N}]+/gu)];
  const words = found.map((match) => fold(match[0]));
  // The word index each marked run ends at, by the index it starts at.
  const runs = new Map<number, number>();
  for (let start = 0; start < words.length; start += 1) {
    for (const term of terms) {
      if (matchesAt(words, start, term)) runs.set(start, Math.max(runs.get(start) ?? start, start + term.tokens.length - 1));
    }
  }
  const segments: Segment[] = [];
  const push = (part: string, mark: boolean) => {
    if (part === '') return;
    const last = segments.at(-1);
    if (last && last.mark === mark) last.text += part;
    else segments.push({ text: part, mark });
  };
  let position = 0;
  let markedUntil = -1;
  found.forEach((match, index) => {
    // The text between two words of one run (a phrase's space) is marked with them: a run that
    // started before this word and reaches it.
    push(text.slice(position, match.index), markedUntil >= index);
    markedUntil = Math.max(markedUntil, runs.get(index) ?? -1);
    push(match[0], markedUntil >= index);
    position = match.index + match[0].length;
  });
  push(text.slice(position), false);
  return segments;
}

const sameValue = (field: MarkedField, text: string, value: string): boolean =>
  field === 'actor' || field === 'action' || field === 'type' ? text.toLowerCase() === value.toLowerCase() : text === value;

/** A field's text: all of it when a qualifier named it (or, for the address, when `ip:` narrows the list), else its words. */
export function fieldSegments(text: string, marks: SearchMarks, field: MarkedField | null = null): Segment[] {
  if (field === 'ip' ? marks.ip && text !== '' : field !== null && marks.values[field].some((value) => sameValue(field, text, value))) {
    return [{ text, mark: true }];
  }
  return wordSegments(text, field === 'ip' ? [] : marks.terms);
}
