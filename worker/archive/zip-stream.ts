import { Zip, type ZipInputFile } from 'fflate';
import { crc32 } from 'node:zlib';

/** Where ZIP bytes go. `write` only queues; `drain` is awaited to apply backpressure. */
export interface ZipSink {
  write(chunk: Uint8Array): void;
  drain(): Promise<void>;
}

export interface EntryResult {
  /** Uncompressed bytes. */
  size: number;
  crc: number;
}

/**
 * A ZIP written as a stream: fflate's `Zip` lays out headers, data descriptors and the central
 * directory, while each entry's DEFLATE data comes from the runtime's native
 * `CompressionStream('deflate-raw')` (zlib's default level 6), several times faster than
 * fflate's pure-JS deflater. Entries are written one after another, so at most one compressed
 * chunk is in flight; nothing holds a whole entry.
 */
export class StreamingZip {
  private readonly zip: Zip;
  private failure: Error | null = null;

  constructor(private readonly sink: ZipSink) {
    this.zip = new Zip((error, chunk) => {
      if (error) this.failure = error;
      else sink.write(chunk);
    });
  }

  private check(): void {
    if (this.failure) throw this.failure;
  }

  /** Adds one deflated entry whose uncompressed bytes are `chunks`; resolves when all is in the sink. */
  async addEntry(filename: string, mtime: Date, chunks: AsyncIterable<Uint8Array>): Promise<EntryResult> {
    // compression 8 = DEFLATE. size and crc are filled in before the final call; fflate then writes
    // them in the data descriptor that follows the entry (sizes are not known up front).
    const entry: ZipInputFile = { filename, size: 0, crc: 0, compression: 8, mtime };
    this.zip.add(entry);
    const emit = entry.ondata;
    if (!emit) throw new Error('fflate did not attach to the entry');

    const compressor = new CompressionStream('deflate-raw');
    const writer = compressor.writable.getWriter();
    const reader = compressor.readable.getReader();
    const pump = (async () => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        emit(null, value as Uint8Array<ArrayBuffer>, false);
        this.check();
        await this.sink.drain();
      }
    })();
    // If the pump fails (e.g. an upload error), stop feeding the compressor instead of waiting on it.
    const pumpFailed = pump.then(
      () => new Promise<never>(() => {}),
      (error: unknown) => Promise.reject(error),
    );

    let size = 0;
    let crc = 0;
    try {
      for await (const chunk of chunks) {
        crc = crc32(chunk, crc);
        size += chunk.byteLength;
        await Promise.race([writer.write(chunk), pumpFailed]);
      }
      await Promise.race([writer.close(), pumpFailed]);
      await pump;
    } catch (error) {
      await writer.abort(error).catch(() => undefined);
      await reader.cancel(error).catch(() => undefined);
      throw error;
    }
    entry.size = size;
    entry.crc = crc;
    emit(null, new Uint8Array(0), true);
    this.check();
    await this.sink.drain();
    return { size, crc };
  }

  /** Writes the central directory. */
  async finish(): Promise<void> {
    this.zip.end();
    this.check();
    await this.sink.drain();
  }
}
