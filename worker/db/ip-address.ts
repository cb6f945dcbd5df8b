/**
 * IP addresses as bytes: parsing any textual IPv4 or IPv6 address (RFC 4291 §2.2, including an
 * embedded dotted IPv4 tail), printing IPv6 in its RFC 5952 canonical form, and CIDR prefixes as
 * the inclusive byte range they cover. Plain TypeScript with no imports: the search grammar, the
 * stored actor address (actor-address.ts) and the query conditions all read addresses this way.
 */
const OCTET = /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

/** A dotted-quad IPv4 address ("198.51.100.77": four decimal parts 0–255, no leading zeros). */
export function parseIpv4(text: string): Uint8Array | null {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((part) => OCTET.test(part))) return null;
  return Uint8Array.from(parts, Number);
}

const GROUP = /^[0-9a-fA-F]{1,4}$/;

/** The 16-bit groups of one side of "::" (an IPv4 tail counts as two), or null. */
function groups(side: string, allowIpv4Tail: boolean): number[] | null {
  if (side === '') return [];
  const parts = side.split(':');
  const values: number[] = [];
  for (const [index, part] of parts.entries()) {
    if (allowIpv4Tail && index === parts.length - 1 && part.includes('.')) {
      const tail = parseIpv4(part);
      if (!tail) return null;
      values.push(((tail[0] as number) << 8) | (tail[1] as number), ((tail[2] as number) << 8) | (tail[3] as number));
    } else if (GROUP.test(part)) values.push(Number.parseInt(part, 16));
    else return null;
  }
  return values;
}

/** Any textual IPv6 address ("2001:db8::1", "::ffff:192.0.2.1", upper or lower case), or null. Zones (%eth0) are not addresses. */
export function parseIpv6(text: string): Uint8Array | null {
  if (text.length > 45 || !text.includes(':')) return null;
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const head = groups(halves[0] as string, halves.length === 1);
  const tail = halves.length === 2 ? groups(halves[1] as string, true) : [];
  if (!head || !tail) return null;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const all = [...head, ...Array.from({ length: halves.length === 2 ? missing : 0 }, () => 0), ...tail];
  const bytes = new Uint8Array(16);
  all.forEach((group, index) => {
    bytes[index * 2] = group >> 8;
    bytes[index * 2 + 1] = group & 0xff;
  });
  return bytes;
}

/** 16 bytes → RFC 5952 text: lower case, no leading zeros, the first longest run (≥ 2) of zero groups as "::". */
export function formatIpv6(bytes: ArrayLike<number>): string {
  const all = Array.from({ length: 8 }, (_, index) => ((bytes[index * 2] as number) << 8) | (bytes[index * 2 + 1] as number));
  let bestStart = -1;
  let bestLength = 1;
  for (let start = 0; start < 8; ) {
    let end = start;
    while (end < 8 && all[end] === 0) end += 1;
    if (end - start > bestLength) {
      bestStart = start;
      bestLength = end - start;
    }
    start = end === start ? start + 1 : end;
  }
  const hex = (part: number[]) => part.map((group) => group.toString(16)).join(':');
  if (bestStart < 0) return hex(all);
  return `${hex(all.slice(0, bestStart))}::${hex(all.slice(bestStart + bestLength))}`;
}

/** An address of either family as bytes (4 or 16), or null. */
function parseIpAddress(text: string): Uint8Array | null {
  return parseIpv4(text) ?? parseIpv6(text);
}

/** The addresses a prefix covers, as inclusive byte bounds of one family. */
export interface IpByteRange {
  low: Uint8Array;
  high: Uint8Array;
}

/**
 * "198.51.100.0/24" or "2001:db8::/32" (bits set past the prefix are ignored, as `ip route` and
 * most firewalls read them) or a single address (a range of one) → its byte range; null when the
 * text is not one of those.
 */
export function parseIpRange(text: string): IpByteRange | null {
  const slash = text.indexOf('/');
  const address = parseIpAddress(slash < 0 ? text : text.slice(0, slash));
  if (!address) return null;
  const bits = address.length * 8;
  if (slash < 0) return { low: address, high: address };
  const lengthText = text.slice(slash + 1);
  if (!/^(?:0|[1-9]\d{0,2})$/.test(lengthText) || Number(lengthText) > bits) return null;
  const prefix = Number(lengthText);
  const low = new Uint8Array(address.length);
  const high = new Uint8Array(address.length);
  for (let index = 0; index < address.length; index += 1) {
    const kept = Math.max(0, Math.min(8, prefix - index * 8));
    const mask = (0xff << (8 - kept)) & 0xff;
    const network = (address[index] as number) & mask;
    low[index] = network;
    high[index] = network | (~mask & 0xff);
  }
  return { low, high };
}
