import { EVENT_SOURCES, type EventSource } from '../contract/enums.ts';
import { parseIpRange } from '../db/ip-address.ts';
import { MAX_SEARCH_WORDS, MIN_WORD_CHARACTERS, searchTokens } from './search-text.ts';

/**
 * The search box's language (`filters.q`), parsed into the same structured filters the query
 * parameters give, so every qualifier is served by the same indexes:
 *
 *   actor:alice@example.com   action:sync,promote   -action:delete   type:argocd_application
 *   object:guestbook   instance:production   source:platform   credential:key_…   after:2026-11-01   before:2026-11-20
 *   ip:198.51.100.77   ip:198.51.100.0/24   ip:2001:db8::/32   "exact phrase"   plain words (each a prefix)
 *
 * A qualifier's value may be quoted (`object:"my app"`); commas separate values (any of); the same
 * qualifier twice adds values. `-` before a qualifier excludes its values. `after:D` means from D
 * 00:00 UTC, `before:D` before D 00:00 UTC (as filters.startTime/endTime). Anything else with a
 * colon is an unknown qualifier: a 400 naming it (quote it to search it as text).
 *
 * `ip:` is the actor's address: one address (IPv4 or IPv6, any textual form) or a CIDR prefix. A
 * plain word that is an IP address or prefix (`198.51.100.77`, `2001:db8::1`, `198.51.100.0/24`,
 * and the dotted start of an IPv4 address, `198.51.100.` = /24, `198.51.` = /16) means the same
 * as `ip:` with it: an investigator pasting an address wants the events from it. Quoted, it is
 * text again (`"198.51.100.77"` finds it in messages and patches).
 */
export const LIST_QUALIFIERS = ['actor', 'action', 'type', 'object', 'instance', 'source', 'credential', 'ip'] as const;
/** `ip:` values at most (each is its own index range). */
const MAX_IP_VALUES = 16;
const DATE_QUALIFIERS = ['after', 'before'] as const;
type ListQualifier = (typeof LIST_QUALIFIERS)[number];
type DateQualifier = (typeof DATE_QUALIFIERS)[number];

export interface ParsedSearch {
  include: Record<ListQualifier, string[]>;
  exclude: Record<ListQualifier, string[]>;
  /** ms: events at or after / before. */
  after: number | null;
  before: number | null;
  /** Exact phrases and prefix words of free text. */
  phrases: string[];
  words: string[];
}

export class SearchSyntaxError extends Error {
  readonly token: string;
  readonly reason: string;

  constructor(token: string, reason: string) {
    super(`filters.q: ${reason} (at "${token}")`);
    this.token = token;
    this.reason = reason;
  }
}

const emptyLists = (): Record<ListQualifier, string[]> => ({
  actor: [],
  action: [],
  type: [],
  object: [],
  instance: [],
  source: [],
  credential: [],
  ip: [],
});

/** A plain word that is an IP address or prefix, as the `ip:` value it means; null for other words. */
function plainIpValue(word: string): string | null {
  const dotted = /^((?:\d{1,3}\.){2,3})$/.exec(word);
  if (dotted) {
    const parts = word.split('.').filter(Boolean);
    const value = `${[...parts, ...['0', '0']].slice(0, 4).join('.')}/${parts.length * 8}`;
    return parseIpRange(value) ? value : null;
  }
  if (!/[.:]/.test(word) || !/^[0-9a-fA-F.:/]+$/.test(word)) return null;
  return parseIpRange(word) ? word : null;
}

/** Splits the text into tokens: quoted phrases, `qualifier:value` (value possibly quoted) and words. */
function tokens(text: string): string[] {
  const found: string[] = [];
  let index = 0;
  while (index < text.length) {
    while (index < text.length && /\s/.test(text[index] as string)) index += 1;
    if (index >= text.length) break;
    const start = index;
    let quoted = false;
    while (index < text.length && (quoted || !/\s/.test(text[index] as string))) {
      if (text[index] === '"') quoted = !quoted;
      index += 1;
    }
    const token = text.slice(start, index);
    if (quoted) throw new SearchSyntaxError(token, 'a quote is not closed');
    found.push(token);
  }
  return found;
}

const unquote = (value: string) => (value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value);

/** `a,"b c",d` → a | b c | d: commas separate values, except inside quotes. */
function splitValues(value: string): string[] {
  const values: string[] = [];
  let current = '';
  let quoted = false;
  for (const char of value) {
    if (char === '"') quoted = !quoted;
    else if (char === ',' && !quoted) {
      values.push(current);
      current = '';
    } else current += char;
  }
  values.push(current);
  return values.map((part) => part.trim());
}

function day(token: string, value: string): number {
  const ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value);
  const valid =
    /^\d{4}-\d{2}-\d{2}(T.+)?$/.test(value) && Number.isFinite(ms) && (value.length > 10 || new Date(ms).toISOString().startsWith(value));
  if (!valid) throw new SearchSyntaxError(token, 'expected a date (YYYY-MM-DD) or an RFC 3339 time');
  return ms;
}

function checkWord(token: string, word: string): void {
  if (searchTokens(word).join('').length < MIN_WORD_CHARACTERS) {
    throw new SearchSyntaxError(token, `search words need at least ${MIN_WORD_CHARACTERS} letters or digits`);
  }
}

export function parseSearch(text: string): ParsedSearch {
  const parsed: ParsedSearch = { include: emptyLists(), exclude: emptyLists(), after: null, before: null, phrases: [], words: [] };
  for (const token of tokens(text)) {
    if (token.startsWith('"')) {
      // `"a b"cd` would be neither one phrase nor a phrase and a word: say so instead of guessing.
      if (token.indexOf('"', 1) !== token.length - 1)
        throw new SearchSyntaxError(token, 'a phrase ends at its closing quote; put a space after it');
      const phrase = unquote(token);
      checkWord(token, phrase);
      parsed.phrases.push(phrase);
      continue;
    }
    const ip = plainIpValue(token);
    if (ip !== null) {
      parsed.include.ip.push(ip);
      continue;
    }
    const colon = token.indexOf(':');
    if (colon < 0) {
      // Punctuation only ("!!!") is refused like a one-letter word: skipping it would turn the
      // search into no filter at all, an answer of everything to a search for something.
      checkWord(token, token);
      parsed.words.push(token);
      continue;
    }
    const negated = token.startsWith('-');
    const name = token.slice(negated ? 1 : 0, colon);
    const rawValue = token.slice(colon + 1);
    const value = unquote(rawValue);
    if ((DATE_QUALIFIERS as readonly string[]).includes(name)) {
      if (negated) throw new SearchSyntaxError(token, `${name}: cannot be negated`);
      const ms = day(token, value);
      if ((name as DateQualifier) === 'after') parsed.after = Math.max(parsed.after ?? ms, ms);
      else parsed.before = Math.min(parsed.before ?? ms, ms);
      continue;
    }
    if (!(LIST_QUALIFIERS as readonly string[]).includes(name)) {
      throw new SearchSyntaxError(
        token,
        `unknown qualifier "${name}:"; use ${[...LIST_QUALIFIERS, ...DATE_QUALIFIERS].map((known) => `${known}:`).join(', ')}, or quote the text`,
      );
    }
    const values = splitValues(rawValue);
    if (values.some((part) => part.length === 0)) throw new SearchSyntaxError(token, `${name}: needs a value`);
    if (name === 'source' && values.some((part) => !(EVENT_SOURCES as readonly string[]).includes(part))) {
      throw new SearchSyntaxError(token, `source: is ${EVENT_SOURCES.join(' or ')}`);
    }
    const badIp = name === 'ip' ? values.find((part) => parseIpRange(part) === null) : undefined;
    if (badIp !== undefined) {
      throw new SearchSyntaxError(
        token,
        `ip: expects an IPv4 or IPv6 address or a CIDR prefix (198.51.100.0/24, 2001:db8::/32), not "${badIp.slice(0, 64)}"`,
      );
    }
    (negated ? parsed.exclude : parsed.include)[name as ListQualifier].push(...values);
  }
  const ips = parsed.include.ip.length + parsed.exclude.ip.length;
  if (ips > MAX_IP_VALUES)
    throw new SearchSyntaxError(text.slice(0, 64), `${ips} IP addresses or prefixes; at most ${MAX_IP_VALUES} are allowed`);
  if (parsed.words.length + parsed.phrases.length > MAX_SEARCH_WORDS) {
    throw new SearchSyntaxError(text, `${parsed.words.length + parsed.phrases.length} words; at most ${MAX_SEARCH_WORDS} are allowed`);
  }
  return parsed;
}

const quoteIfNeeded = (value: string) => (/[\s,"]/.test(value) || value === '' ? `"${value}"` : value);

/** The canonical text of a parsed search: parsing it again gives the same search. */
export function printSearch(search: ParsedSearch): string {
  const parts: string[] = [];
  for (const name of LIST_QUALIFIERS) {
    if (search.include[name].length > 0) parts.push(`${name}:${search.include[name].map(quoteIfNeeded).join(',')}`);
    if (search.exclude[name].length > 0) parts.push(`-${name}:${search.exclude[name].map(quoteIfNeeded).join(',')}`);
  }
  if (search.after !== null) parts.push(`after:${new Date(search.after).toISOString()}`);
  if (search.before !== null) parts.push(`before:${new Date(search.before).toISOString()}`);
  parts.push(...search.phrases.map((phrase) => `"${phrase}"`), ...search.words);
  return parts.join(' ');
}

export function isSource(value: string): value is EventSource {
  return (EVENT_SOURCES as readonly string[]).includes(value);
}
