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

function searchTag(organizationId: string): string {
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

/**
 * Free text → an FTS5 MATCH expression for one organization: each word must match as a prefix
 * (a word with inner punctuation, like "v1.2", is a phrase of its tokens), each quoted phrase
 * exactly. Tokens are only letters and digits, so nothing a user types is FTS5 syntax. null when
 * there is nothing to match. `prefix: false` matches the words as whole tokens: a subset of the
 * prefix matches that FTS5 streams without first merging every token the prefix covers (a prefix
 * query on a common word costs tens of ms at 1M events before its first row; see choosePlan).
 */
export function searchMatch(
  organizationId: string,
  text: { words: string[]; phrases: string[] },
  { prefix }: { prefix: boolean } = { prefix: true },
): string | null {
  const tag = searchTag(organizationId);
  const phrase = (value: string) =>
    searchTokens(value)
      .map((token) => tag + token)
      .join(' ');
  const parts = [
    ...text.words
      .map((word) => phrase(word))
      .filter(Boolean)
      .map((tokens) => (prefix ? `"${tokens}"*` : `"${tokens}"`)),
    ...text.phrases
      .map((value) => phrase(value))
      .filter(Boolean)
      .map((tokens) => `"${tokens}"`),
  ];
  return parts.length === 0 ? null : parts.join(' AND ');
}
