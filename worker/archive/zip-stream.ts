import { constants, crc32, deflateRawSync } from 'node:zlib';
import { Zip, type ZipInputFile } from 'fflate';

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
 * The fixed DEFLATE level of every entry (same events → same bytes needs a fixed level). Measured
 * on the 1M-event bench week (docs/ARCHITECTURE.md, the archive path): level 3 deflates 2–3× faster
 * than level 6 for a ~12 % larger ZIP; compression was the largest single cost of a build.
 */
export const DEFLATE_LEVEL = 3;

/**
 * A ZIP written as a stream: fflate's `Zip` lays out headers, data descriptors and the central
 * directory, while each entry's DEFLATE data comes from the runtime's native zlib (node:zlib),
 * several times faster than fflate's pure-JS deflater. Each chunk is deflated on its own and
 * ended with a sync flush (an empty stored block that aligns to a byte), so the chunks' outputs
 * concatenate into one valid DEFLATE stream, closed by a final empty block; the 32 KiB window
 * restarting at each chunk costs ~1 % on chunks of a D1 page. Deflating synchronously needs no
 * stream plumbing, and the same chunks always give the same bytes. Entries are written one after
 * another; nothing holds more than one chunk and its deflated bytes.
 */
export class StreamingZip {
  private readonly zip: Zip;
  private failure: Error | null = null;
  private readonly sink: ZipSink;

  constructor(sink: ZipSink) {
    this.sink = sink;
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
    const deflater = new EntryDeflater();
    await this.addDeflatedEntry(filename, mtime, deflater.deflate(chunks), () => deflater.result);
    return deflater.result;
  }

  /**
   * Adds an entry whose DEFLATE data (final block included) is already made, e.g. a day deflated
   * ahead of the week (services/archive/day-parts.ts): the bytes are the ones `addEntry` would
   * write for the same chunks. `totals` is read once `deflated` is exhausted.
   */
  async addDeflatedEntry(
    filename: string,
    mtime: Date,
    deflated: AsyncIterable<Uint8Array<ArrayBuffer>>,
    totals: () => EntryResult,
  ): Promise<void> {
    // compression 8 = DEFLATE. size and crc are filled in before the final call; fflate then writes
    // them in the data descriptor that follows the entry (sizes are not known up front).
    const entry: ZipInputFile = { filename, size: 0, crc: 0, compression: 8, mtime };
    this.zip.add(entry);
    const emit = entry.ondata;
    if (!emit) throw new Error('fflate did not attach to the entry');
    for await (const chunk of deflated) {
      emit(null, chunk, false);
      this.check();
      await this.sink.drain();
    }
    const { size, crc } = totals();
    entry.size = size;
    entry.crc = crc;
    emit(null, new Uint8Array(0), true);
    this.check();
    await this.sink.drain();
  }

  /** Writes the central directory. */
  async finish(): Promise<void> {
    this.zip.end();
    this.check();
    await this.sink.drain();
  }
}

/**
 * One entry's DEFLATE data, chunk by chunk: each chunk deflated on its own and ended with a sync
 * flush, then a final empty block (see StreamingZip). Counts the uncompressed size and CRC-32.
 */
export class EntryDeflater {
  private size = 0;
  private crc = 0;

  get result(): EntryResult {
    return { size: this.size, crc: this.crc };
  }

  async *deflate(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array<ArrayBuffer>> {
    for await (const chunk of chunks) {
      this.crc = crc32(chunk, this.crc);
      this.size += chunk.byteLength;
      yield deflateRawSync(chunk, { level: DEFLATE_LEVEL, finishFlush: constants.Z_SYNC_FLUSH });
    }
    yield deflateRawSync(new Uint8Array(0), { level: DEFLATE_LEVEL, finishFlush: constants.Z_FINISH });
  }
}
