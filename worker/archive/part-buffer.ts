/**
 * Cuts a byte stream into fixed-size parts (R2 multipart uploads need every part but the last to
 * be the same size, at least 5 MiB). Holds at most one part plus the chunk that overflowed it, and
 * records the most it ever held, so tests can show memory does not grow with the archive.
 */
export class PartBuffer {
  private chunks: Uint8Array[] = [];
  private buffered = 0;
  peakBufferedBytes = 0;
  readonly partSize: number;

  constructor(partSize: number) {
    this.partSize = partSize;
  }

  get bufferedBytes(): number {
    return this.buffered;
  }

  push(chunk: Uint8Array): void {
    if (chunk.byteLength === 0) return;
    this.chunks.push(chunk);
    this.buffered += chunk.byteLength;
    this.peakBufferedBytes = Math.max(this.peakBufferedBytes, this.buffered);
  }

  /** Takes one full part if there is one (or, when `final`, whatever remains). */
  take(final = false): Uint8Array | null {
    if (this.buffered === 0 || (!final && this.buffered < this.partSize)) return null;
    const size = final ? Math.min(this.buffered, this.partSize) : this.partSize;
    const part = new Uint8Array(size);
    let filled = 0;
    while (filled < size) {
      const head = this.chunks[0] as Uint8Array;
      const needed = size - filled;
      if (head.byteLength <= needed) {
        part.set(head, filled);
        filled += head.byteLength;
        this.chunks.shift();
      } else {
        part.set(head.subarray(0, needed), filled);
        this.chunks[0] = head.subarray(needed);
        filled += needed;
      }
    }
    this.buffered -= size;
    return part;
  }
}
