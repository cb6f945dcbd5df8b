/**
 * The optional `headers` of an `https` stream (docs/STREAMS.md): what a receiver needs beyond our
 * signature (a tenant id, a routing key). Refused: hop-by-hop and framing headers (the runtime owns
 * them, and a wrong one would corrupt the request), headers this service sets itself (content
 * type, user agent, every `X-Audit-*`, so the signature and batch headers cannot be overridden),
 * and credentials (`Authorization`, `Cookie`, …): as for webhooks, the secret's signature is what
 * authenticates a delivery, and these values are not stored encrypted.
 */
export type HeadersVerdict = { ok: true; headers: Record<string, string> } | { ok: false; reason: string };

const REFUSED = new Set([
  // Hop-by-hop (RFC 9110 §7.6.1) and framing.
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'content-length',
  'expect',
  // Set by the service.
  'content-type',
  'content-encoding',
  'user-agent',
  // Credentials.
  'authorization',
  'proxy-authorization',
  'cookie',
]);

const MAX_HEADERS = 20;
const MAX_NAME = 64;
const MAX_VALUE = 1024;
/** RFC 9110 token characters. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Visible ASCII and spaces/tabs inside: no CR, LF, NUL or other controls, no non-ASCII. */
const VALUE = /^[\x21-\x7e]([\x20-\x7e\t]*[\x21-\x7e])?$/;

export function checkExtraHeaders(headers: Record<string, string> | undefined): HeadersVerdict {
  const entries = Object.entries(headers ?? {});
  if (entries.length > MAX_HEADERS) return { ok: false, reason: `at most ${MAX_HEADERS} headers` };
  const checked: Record<string, string> = {};
  for (const [rawName, value] of entries) {
    const name = rawName.toLowerCase();
    if (name.length > MAX_NAME || !TOKEN.test(name)) return { ok: false, reason: `"${rawName.slice(0, MAX_NAME)}" is not a header name` };
    if (REFUSED.has(name) || name.startsWith('proxy-') || name.startsWith('x-audit-')) {
      return { ok: false, reason: `${name} cannot be set: it is a hop-by-hop header, set by the service, or a credential` };
    }
    if (name in checked) return { ok: false, reason: `${name} is given twice` };
    if (typeof value !== 'string' || value.length > MAX_VALUE || !VALUE.test(value)) {
      return { ok: false, reason: `the value of ${name} must be 1 to ${MAX_VALUE} visible ASCII characters` };
    }
    checked[name] = value;
  }
  return { ok: true, headers: checked };
}
