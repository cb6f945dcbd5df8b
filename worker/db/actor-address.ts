import { toHex } from '../hex.ts';

/**
 * An actor's IPv4 address in its canonical dotted form ("203.0.113.7": no leading zeros, each part
 * 0–255) is stored as its 4 bytes: 5 bytes in a SQLite record instead of 8–16 as text (measured:
 * ~8.6 bytes per event on the bench data). Only the canonical form is encoded, so decoding gives
 * back exactly the text that was sent; anything else (IPv6, "010.0.0.1", free text) stays text.
 */
const PART = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const CANONICAL_IPV4 = new RegExp(`^${PART}(?:\\.${PART}){3}$`);

/** The 4 bytes of a canonical IPv4 address, or null when the text is anything else. */
export function ipv4Bytes(address: string): Uint8Array | null {
  if (!CANONICAL_IPV4.test(address)) return null;
  return Uint8Array.from(address.split('.'), Number);
}

/** Hex of `ipv4Bytes` (how the JSON of the storing statement carries them), or null. */
export function ipv4Hex(address: string | null): string | null {
  const bytes = address === null ? null : ipv4Bytes(address);
  return bytes ? toHex(bytes) : null;
}

/** A stored actor address (text, or the 4 bytes as D1 hands a blob over: an array of numbers) → its text. */
export function actorAddressText(stored: string | ArrayLike<number> | ArrayBuffer): string {
  if (typeof stored === 'string') return stored;
  const bytes = stored instanceof ArrayBuffer ? new Uint8Array(stored) : stored;
  return Array.from(bytes).join('.');
}
