/** Byte-level helpers built on WebCrypto and TextDecoder only, so they run in workerd and in Node. */
import { toHex } from '../../hex.ts';
import { errorMessage } from './values.ts';

/** For messages only: never throws, keeps a BOM visible. */
export const lenientDecoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

/** WebCrypto wants an ArrayBuffer-backed view; copy only when the input is backed by something else. */
export function bufferSource(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : new Uint8Array(bytes);
}

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  return toHex(new Uint8Array(await crypto.subtle.digest('SHA-256', bufferSource(bytes))));
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let index = 0; index < a.length; index += 1) if (a[index] !== b[index]) return false;
  return true;
}

/** UTF-8 decode that reports invalid bytes and keeps a BOM (so it is seen as a difference). */
export function decodeUtf8(bytes: Uint8Array): string | Error {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch (error) {
    return new Error(`not valid UTF-8 (${errorMessage(error)})`);
  }
}

/** Describes where `actual` first differs from `expected`: byte offset, line, and both snippets. */
export function describeDifference(expected: Uint8Array, actual: Uint8Array): string {
  const shortest = Math.min(expected.length, actual.length);
  let offset = 0;
  while (offset < shortest && expected[offset] === actual[offset]) offset += 1;
  let line = 1;
  for (let index = 0; index < offset; index += 1) if (actual[index] === 0x0a) line += 1;
  const snippet = (bytes: Uint8Array) => {
    const text = lenientDecoder.decode(bytes.subarray(Math.max(0, offset - 20), offset + 30));
    return JSON.stringify(text);
  };
  return `first difference at byte ${offset} (line ${line}): expected …${snippet(expected)}…, found …${snippet(actual)}… (${expected.length} vs ${actual.length} bytes)`;
}
