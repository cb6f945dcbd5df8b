/**
 * A signed checkpoint of an organization's hash chain (docs/INTEGRITY.md, "Checkpoints"): the
 * statement "at `time`, the chain over this organization's events 1..`sequence` was `chainHash`",
 * linked to the checkpoint it continued from, signed with the archive key.
 *
 * The signature is base64 (standard, padded) of the raw 64-byte Ed25519 signature over the UTF-8
 * bytes of the RFC 8785 (JCS) canonical JSON of the checkpoint without `signature`. Pure and
 * runtime-agnostic (workerd and Node ≥ 18): the standalone verifier uses it too.
 */
import canonicalize from 'canonicalize';

export interface CheckpointLink {
  sequence: number;
  chainHash: string;
}

export interface Checkpoint {
  organizationId: string;
  sequence: number;
  chainHash: string;
  /** RFC 3339 UTC with milliseconds. */
  time: string;
  previousCheckpoint: CheckpointLink | null;
  /** Base64 of the raw 64-byte Ed25519 signature. */
  signature: string;
}

export type UnsignedCheckpoint = Omit<Checkpoint, 'signature'>;

/** The exact bytes a checkpoint's signature covers: JCS of every field but `signature`. */
export function checkpointSignedBytes(checkpoint: UnsignedCheckpoint): Uint8Array<ArrayBuffer> {
  const { organizationId, sequence, chainHash, time, previousCheckpoint } = checkpoint;
  const text = canonicalize({ organizationId, sequence, chainHash, time, previousCheckpoint });
  if (text === undefined) throw new Error('a checkpoint is a JSON object');
  return new Uint8Array(new TextEncoder().encode(text));
}

export function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** Standard padded base64 → bytes; null for anything else (a forged or mangled signature is a finding, not a crash). */
export function base64ToBytes(text: string): Uint8Array<ArrayBuffer> | null {
  if (text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return null;
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let index = 0; index < binary.length; index += 1) bytes[index] = binary.charCodeAt(index);
  return bytes;
}
