/**
 * Free text is indexed per organization: every token is stored as `<organization tag><token>`, so
 * a query for one organization only reads posting lists of that organization's own tokens, and a
 * prefix like "a*" costs what that organization's data costs, never what other tenants store.
 * Tokens are what FTS5's unicode61 tokenizer (remove_diacritics 2) would make: runs of letters and
 * digits, lower-cased, without diacritics. The tag is a fixed-length hash of the organization id;
 * two organizations sharing a tag would only share posting lists: every query still filters rows by
 * organization_id, so a tag collision can cost time but never leak an event.
 */
const TAG_LENGTH = 7;

/** Words at most, and the shortest word, a free-text query may have (bounds its cost). */
export const MAX_SEARCH_WORDS = 8;
export const MIN_WORD_CHARACTERS = 2;

export function searchTag(organizationId: string): string {
  // FNV-1a, 32 bits: fast and stable; base36 padded to a fixed width.
  let hash = 0x811c9dc5;
  for (let index = 0; index < organizationId.length; index += 1) {
    hash ^= organizationId.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return `t${hash.toString(36).padStart(TAG_LENGTH - 1, '0')}`;
}

/** The unicode61 tokens of a text. */
export function searchTokens(text: string): string[] {
  return text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((token) => token.length > 0);
}

/** The indexed body of one event: its searchable fields, every token tagged with the organization. */
export function searchBody(organizationId: string, fields: (string | null | undefined)[]): string {
  const tag = searchTag(organizationId);
  return fields
    .flatMap((field) => (field ? searchTokens(field) : []))
    .map((token) => tag + token)
    .join(' ');
}

/** The words of a free-text query, each as its tokens (words without letters or digits are dropped). */
function searchWords(text: string): { word: string; tokens: string[] }[] {
  return text
    .split(/\s+/)
    .map((word) => ({ word, tokens: searchTokens(word) }))
    .filter((entry) => entry.tokens.length > 0);
}

/** Why a free-text query is outside the bounds that keep its cost small, or null when it is fine. */
export function searchTextProblem(text: string): string | null {
  const words = searchWords(text);
  const short = words.find((entry) => entry.tokens.join('').length < MIN_WORD_CHARACTERS);
  if (short) return `the word "${short.word}" is too short: search words need at least ${MIN_WORD_CHARACTERS} letters or digits.`;
  if (words.length > MAX_SEARCH_WORDS) return `${words.length} words; at most ${MAX_SEARCH_WORDS} are allowed.`;
  return null;
}

/**
 * A user's free text → an FTS5 MATCH expression for one organization: every word must match as a
 * prefix (a word with inner punctuation, like "v1.2", is a phrase of its tokens). Tokens are only
 * letters and digits, so nothing a user types is FTS5 syntax. null when there are no words.
 */
export function searchMatch(organizationId: string, text: string): string | null {
  const tag = searchTag(organizationId);
  const phrases = searchWords(text).map((entry) => `"${entry.tokens.map((token) => tag + token).join(' ')}"*`);
  return phrases.length === 0 ? null : phrases.join(' AND ');
}
