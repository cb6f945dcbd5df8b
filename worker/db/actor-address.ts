import { toHex } from '../hex.ts';
import { formatIpv6, parseIpv4, parseIpv6 } from './ip-address.ts';

/**
 * An actor's address in its canonical form is stored as its bytes: an IPv4 address in dotted form
 * ("203.0.113.7": no leading zeros, each part 0–255) as 4 bytes, an IPv6 address in its RFC 5952
 * form ("2001:db8::1": lower case, no leading zeros, the longest zero run as "::") as 16 (from
 * migration 0019; before it IPv6 stayed text). 5 bytes in a SQLite record instead of 8–16 as text
 * (measured: ~8.6 bytes per event on the bench data), and one index of the bytes serves `ip:`
 * exact and CIDR searches as ranges (services/query/ip-conditions.ts). Only the canonical form is
 * encoded, so decoding gives back exactly the text that was sent; anything else ("010.0.0.1",
 * "2001:DB8::1", "::ffff:192.0.2.1", free text) stays text.
 */
export function actorAddressBytes(address: string): Uint8Array | null {
  const ipv4 = parseIpv4(address);
  if (ipv4) return ipv4;
  const ipv6 = parseIpv6(address);
  return ipv6 && formatIpv6(ipv6) === address ? ipv6 : null;
}

/** Hex of `actorAddressBytes` (how the JSON of the storing statement carries them), or null. */
export function actorAddressHex(address: string | null): string | null {
  const bytes = address === null ? null : actorAddressBytes(address);
  return bytes ? toHex(bytes) : null;
}

/** A stored actor address (text, or the bytes as D1 hands a blob over: an array of numbers) → its text. */
export function actorAddressText(stored: string | ArrayLike<number> | ArrayBuffer): string {
  if (typeof stored === 'string') return stored;
  const bytes = stored instanceof ArrayBuffer ? new Uint8Array(stored) : stored;
  return bytes.length === 16 ? formatIpv6(bytes) : Array.from(bytes).join('.');
}
