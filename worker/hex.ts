/**
 * Lowercase hex of bytes: SHA-256 digests, HMAC signatures, stored IPv4 addresses. A table, not
 * map/padStart/join: it runs for every ingested event (profiled: 3 % of ingest's CPU). Plain
 * TypeScript with no imports, so the offline verifier (archive/verify, run by Node) uses it too.
 */
const HEX_BYTES = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

export function toHex(bytes: Uint8Array): string {
  let hex = '';
  for (const byte of bytes) hex += HEX_BYTES[byte];
  return hex;
}
