/**
 * A ZIP read as it streams (fflate `Unzip`): each entry's inflated bytes, one entry at a time, in
 * the order they arrive. For archives too large to hold at once (a restore reads a week from R2
 * this way): memory holds one day file, never the week. It follows local headers only, so it does
 * not check the central directory; a caller proves the bytes by their SHA-256 against a signed
 * manifest (`onBytes` sees every input chunk), which covers the structure too.
 */
import { Unzip, UnzipInflate } from 'fflate';
import { describeValue } from './values.ts';

export interface ZipStreamEntry {
  name: string;
  data: Uint8Array;
}

export interface ZipStreamOptions {
  /** Called with every chunk of the ZIP's bytes, in order (to hash them). */
  onBytes?: (chunk: Uint8Array) => void;
  /** An entry that inflates to more bytes is refused (a zip bomb): the stream throws. */
  maxEntryBytes: number;
}

function concat(parts: Uint8Array[], size: number): Uint8Array {
  if (parts.length === 1 && parts[0]) return parts[0];
  const out = new Uint8Array(size);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** The entries of the ZIP streamed in `chunks`; throws (naming the entry) when it cannot be inflated. */
export async function* zipStreamEntries(chunks: AsyncIterable<Uint8Array>, options: ZipStreamOptions): AsyncGenerator<ZipStreamEntry> {
  const ready: ZipStreamEntry[] = [];
  let failure: Error | null = null;
  const unzip = new Unzip((file) => {
    const parts: Uint8Array[] = [];
    let size = 0;
    file.ondata = (error, data, final) => {
      if (failure) return;
      if (error) {
        failure = new Error(`ZIP entry ${describeValue(file.name)}: cannot be inflated (${error.message})`);
        return;
      }
      size += data.length;
      if (size > options.maxEntryBytes) {
        failure = new Error(`ZIP entry ${describeValue(file.name)}: inflates to more than ${options.maxEntryBytes} bytes; not read`);
        file.terminate();
        return;
      }
      if (data.length > 0) parts.push(data);
      if (final) ready.push({ name: file.name, data: concat(parts, size) });
    };
    file.start();
  });
  unzip.register(UnzipInflate);
  const push = (chunk: Uint8Array, final: boolean) => {
    try {
      unzip.push(chunk, final);
    } catch (error) {
      failure ??= new Error(`ZIP: cannot be read (${error instanceof Error ? error.message : String(error)})`);
    }
  };
  for await (const chunk of chunks) {
    options.onBytes?.(chunk);
    push(chunk, false);
    if (failure) throw failure;
    while (ready.length > 0) yield ready.shift() as ZipStreamEntry;
  }
  push(new Uint8Array(0), true);
  if (failure) throw failure;
  while (ready.length > 0) yield ready.shift() as ZipStreamEntry;
}
