/**
 * The event's `contentHash` and the organization's hash chain (docs/INTEGRITY.md): what lets a
 * sender, an importer or an auditor prove a copy of the record complete and unaltered.
 *
 * - contentHash(event) = SHA-256, lowercase hex, of the RFC 8785 (JCS) canonical JSON of the event
 *   exactly as the API returns it, every field but `contentHash` itself (so `sequence`, `source`,
 *   `sourceKeyId` and `credential` are covered: an event moved to another sequence changes hash).
 * - chain(0) = 32 zero bytes; chain(n) = SHA-256(chain(n-1) ‖ contentHash(n)), over the raw 32
 *   bytes of each, shown as lowercase hex.
 *
 * Synchronous (@noble/hashes) so every path that shapes an event can add its hash without
 * becoming async; always computed from the stored columns, never read from storage.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import canonicalize from 'canonicalize';

const encoder = new TextEncoder();

/** The chain before the organization's first event. */
export const GENESIS_CHAIN_HASH = '0'.repeat(64);

/** RFC 8785 canonical JSON of an event without its `contentHash` (stored events are JSON values: never undefined). */
export function canonicalEventJson(event: object): string {
  const { contentHash: _, ...content } = event as { contentHash?: unknown };
  const text = canonicalize(content);
  if (text === undefined) throw new Error('an event is a JSON object');
  return text;
}

export function contentHashOf(event: object): string {
  return bytesToHex(sha256(encoder.encode(canonicalEventJson(event))));
}

/** chain(n) from chain(n-1) and contentHash(n), both lowercase hex of 32 bytes. */
export function nextChainHash(previousChainHash: string, contentHash: string): string {
  const input = new Uint8Array(64);
  input.set(hexToBytes(previousChainHash), 0);
  input.set(hexToBytes(contentHash), 32);
  return bytesToHex(sha256(input));
}
