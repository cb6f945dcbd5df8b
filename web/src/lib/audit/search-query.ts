// The search box's language, read on the client only to show the qualifiers it holds as chips
// (each removable) and to explain it. The Worker parses `filters.q` itself and is the authority:
// whatever this reads, the results are what the Worker's parser made of the text, and a mistake
// is its 400 naming the token. Tokens are split the way the Worker splits them (quotes group).

export const QUALIFIERS = [
  { name: 'actor', label: 'Actor', example: 'actor:alice@example.com', meaning: 'the actor is this one (whole value, any case)' },
  { name: 'action', label: 'Action', example: 'action:sync,promote', meaning: 'any of these actions (any case; commas separate values)' },
  { name: 'type', label: 'Object type', example: 'type:argocd_application', meaning: 'the object type (whole value, any case)' },
  { name: 'object', label: 'Object', example: 'object:guestbook', meaning: 'the object name (exact; quote names with spaces)' },
  { name: 'instance', label: 'Instance', example: 'instance:production', meaning: 'the instance of that name (deleted ones too)' },
  { name: 'source', label: 'Source', example: 'source:platform', meaning: 'platform (recorded by this service) or ingest (sent in)' },
  {
    name: 'credential',
    label: 'Credential',
    example: 'credential:key_01…',
    meaning: 'everything one API key or session (ses_…) did; admin for the admin token',
  },
  {
    name: 'ip',
    label: 'IP address',
    example: 'ip:198.51.100.0/24',
    meaning:
      "the actor's address: one (IPv4 or IPv6) or a CIDR prefix; a pasted address or its dotted start (198.51.100.) searches the same way",
  },
  { name: 'after', label: 'After', example: 'after:2026-11-01', meaning: 'from that day, 00:00 UTC (or an RFC 3339 time)' },
  { name: 'before', label: 'Before', example: 'before:2026-11-20', meaning: 'before that day, 00:00 UTC' },
] as const;

type QualifierName = (typeof QUALIFIERS)[number]['name'];

export interface QueryChip {
  /** The token as typed, e.g. `-action:delete`. */
  token: string;
  /** Its position among the query's tokens (what removing it removes). */
  index: number;
  qualifier: QualifierName;
  negated: boolean;
  values: string[];
  /** What the chip reads, e.g. "Not action: delete". */
  label: string;
}

/** The query's tokens (quoted parts kept together), or null when a quote is not closed. */
export function tokenize(text: string): string[] | null {
  const found: string[] = [];
  let index = 0;
  while (index < text.length) {
    while (index < text.length && /\s/.test(text.charAt(index))) index += 1;
    if (index >= text.length) break;
    const start = index;
    let quoted = false;
    while (index < text.length && (quoted || !/\s/.test(text.charAt(index)))) {
      if (text.charAt(index) === '"') quoted = !quoted;
      index += 1;
    }
    if (quoted) return null;
    found.push(text.slice(start, index));
  }
  return found;
}

/** `a,"b c",d` → a | b c | d. */
export function splitValues(value: string): string[] {
  const values: string[] = [];
  let current = '';
  let quoted = false;
  for (const char of value) {
    if (char === '"') quoted = !quoted;
    else if (char === ',' && !quoted) {
      values.push(current.trim());
      current = '';
    } else current += char;
  }
  values.push(current.trim());
  return values;
}

/** The qualifiers of a query, in order; words and phrases are not chips (they are the free text). */
export function queryChips(text: string): QueryChip[] {
  const tokens = tokenize(text) ?? [];
  return tokens.flatMap((token, index): QueryChip[] => {
    if (token.startsWith('"')) return [];
    const colon = token.indexOf(':');
    if (colon < 0) return [];
    const negated = token.startsWith('-');
    const name = token.slice(negated ? 1 : 0, colon);
    const qualifier = QUALIFIERS.find((known) => known.name === name);
    if (!qualifier) return [];
    const values = splitValues(token.slice(colon + 1));
    if (values.some((value) => value === '')) return [];
    const label = `${negated ? `Not ${qualifier.label.toLowerCase()}` : qualifier.label}: ${values.join(', ')}`;
    return [{ token, index, qualifier: qualifier.name, negated, values, label }];
  });
}

/** The query without its `index`-th token (the others as typed, single spaces between). */
export function withoutToken(text: string, index: number): string {
  const tokens = tokenize(text);
  if (!tokens) return text;
  return tokens.filter((_, position) => position !== index).join(' ');
}
