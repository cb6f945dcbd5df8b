/**
 * Inflates one ZIP entry and checks it against its CRC-32 and size.
 *
 * The whole archive is in memory anyway (its sha256 is part of the check), so this uses fflate's
 * `unzipSync`, which follows the central directory, rather than the streaming `Unzip`, which walks
 * local headers in arrival order and suits data that is still arriving. Its `filter` lets us
 * inflate one entry per call, so an inflate error is pinned to its entry instead of aborting all
 * of them; the caller refuses entries whose declared size is too large before calling this (a
 * zip bomb would otherwise get a buffer of the size its central directory claims).
 */
import { unzipSync } from 'fflate';
import { describeValue, errorMessage } from './values.ts';
import { hex32, type ZipEntry } from './zip-structure.ts';

// Our own CRC-32 (node:zlib has one, but this module must also run in workerd without node: modules).
const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n += 1) {
    let c = n;
    for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = (CRC_TABLE[(crc ^ byte) & 0xff] ?? 0) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** Inflates central-directory entry `index` alone with fflate, and checks its size and CRC-32. */
export function inflateEntry(zip: Uint8Array, entry: ZipEntry, problems: string[]): Uint8Array | null {
  const label = `ZIP entry ${describeValue(entry.name)}`;
  let seen = 0;
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(zip, { filter: () => seen++ === entry.index });
  } catch (error) {
    problems.push(`${label}: cannot be inflated (${errorMessage(error)}) — the compressed data is corrupt`);
    return null;
  }
  const data = Object.values(files)[0];
  if (!data) {
    problems.push(`${label}: the unzipper did not return it`);
    return null;
  }
  if (data.length !== entry.size) {
    problems.push(
      `${label}: inflates to ${data.length} bytes, but the central directory says ${entry.size} — the compressed data is corrupt`,
    );
    return null;
  }
  const actualCrc = crc32(data);
  if (actualCrc !== entry.crc) {
    problems.push(
      `${label}: CRC-32 of the inflated data is ${hex32(actualCrc)}, the central directory says ${hex32(entry.crc)} — the data is corrupt`,
    );
    return null;
  }
  return data;
}
