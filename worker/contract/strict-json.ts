import type { FieldError } from './problem.ts';

/**
 * What every JSON request body must be before any schema sees it (docs/API.md, "Request bodies").
 * A decoder that replaces bad bytes with U+FFFD, and JSON.parse turning 1e400 into Infinity
 * (which JSON.stringify then writes as null), would store content other than what was sent, with
 * a hash over the altered content. So: UTF-8 without a bad byte, and numbers a double holds.
 */
export type JsonBodyCheck = { ok: true } | { ok: false; detail: string; errors: FieldError[] };

// A UTF-16 surrogate without its partner: not Unicode text, and stored as U+FFFD if let through.
export const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const MAX_PROBLEMS = 100;

const OVERFLOW = `is a number too large for a double (beyond ±${Number.MAX_VALUE}); send it as a string`;
const TOO_DEEP = 'is nested too deeply to be read';
const UNDERFLOW = `is a number so small that it would be stored as 0 (below ${Number.MIN_VALUE} in magnitude); send 0 or a string`;

/**
 * Reads a JSON body's bytes. Malformed JSON is left to the route's validator (a 400, as before):
 * this check only refuses what JSON.parse would accept and silently alter.
 */
export function checkJsonBody(bytes: Uint8Array): JsonBodyCheck {
  let text: string;
  try {
    // A leading byte-order mark is dropped, as every JSON reader does (RFC 8259 §8.1).
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    const at = firstInvalidByte(bytes);
    const where = at === null ? 'it ends inside a character' : `at byte ${at}, counting from 0`;
    return {
      ok: false,
      detail: `The request body is not valid UTF-8 (${where}). Send JSON as UTF-8 text.`,
      errors: [{ pointer: '', detail: `is not valid UTF-8 (${where})` }],
    };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: true };
  }
  // Underflow needs a negative exponent or hundreds of zeros after the point: only then is the
  // text parsed again, keeping each number's source. A reviver makes the engine recurse more deeply
  // than the plain parse above, so a body nested thousands deep can exhaust the stack here: no
  // route takes JSON nested that deep (events allow 32 levels), so it is refused as such.
  if (/\d[eE]-|\.0{300}/.test(text)) {
    try {
      value = JSON.parse(text, markUnderflow);
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      return { ok: false, detail: 'The request body is nested too deeply to be read.', errors: [{ pointer: '', detail: TOO_DEEP }] };
    }
  }
  const errors = valueProblems(value);
  return errors.length === 0 ? { ok: true } : { ok: false, detail: 'The request body has invalid fields.', errors };
}

/** Where an underflowing literal stood: found again with its path by valueProblems. */
const UNDERFLOWED: unique symbol = Symbol('underflowed');

/** JSON.parse reviver (with the source text of each primitive, ES2025): a non-zero literal read as 0 is marked. */
function markUnderflow(_key: string, value: unknown, context?: { source?: string }): unknown {
  if (value !== 0 || context?.source === undefined) return value;
  const mantissa = context.source.split(/[eE]/)[0] ?? '';
  return /[1-9]/.test(mantissa) ? UNDERFLOWED : value;
}

/** Numbers a double cannot hold and lone surrogates, with their paths; iterative (any depth). */
function valueProblems(root: unknown): FieldError[] {
  const problems: FieldError[] = [];
  const pending: { value: unknown; path: string }[] = [{ value: root, path: '' }];
  const join = (path: string, key: string) => (path === '' ? key : `${path}/${key}`);
  while (pending.length > 0 && problems.length < MAX_PROBLEMS) {
    const { value, path } = pending.pop() as { value: unknown; path: string };
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) problems.push({ pointer: path, detail: OVERFLOW });
    } else if (value === UNDERFLOWED) {
      problems.push({ pointer: path, detail: UNDERFLOW });
    } else if (typeof value === 'string') {
      if (LONE_SURROGATE.test(value)) problems.push({ pointer: path, detail: 'contains a lone UTF-16 surrogate (not valid Unicode)' });
    } else if (Array.isArray(value)) {
      for (let index = value.length - 1; index >= 0; index -= 1) pending.push({ value: value[index], path: join(path, String(index)) });
    } else if (typeof value === 'object' && value !== null) {
      const entries = Object.entries(value);
      for (let index = entries.length - 1; index >= 0; index -= 1) {
        const [key, inner] = entries[index] as [string, unknown];
        if (LONE_SURROGATE.test(key)) problems.push({ pointer: path, detail: 'has a key with a lone UTF-16 surrogate' });
        pending.push({ value: inner, path: join(path, key) });
      }
    }
  }
  return problems;
}

/**
 * The offset of the first byte at which the text stops being UTF-8, or null when it only ends
 * inside a character. Only on the error path: a binary search over prefixes decoded in stream
 * mode (where a prefix that merely stops inside a character is still fine).
 */
function firstInvalidByte(bytes: Uint8Array): number | null {
  const readable = (length: number) => {
    try {
      new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes.subarray(0, length), { stream: true });
      return true;
    } catch {
      return false;
    }
  };
  if (readable(bytes.length)) return null;
  let low = 0;
  let high = bytes.length;
  // Invariant: the prefix of `low` bytes is readable, the prefix of `high` bytes is not.
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (readable(middle)) low = middle;
    else high = middle;
  }
  return high - 1;
}
