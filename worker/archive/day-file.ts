/** ~40 KiB of text per group at typical event sizes: young-generation strings, cheap to collect. */
const LINES_PER_GROUP = 64;

/**
 * A day file is a JSON array with one event per line:
 *   no events → `[]\n`;  otherwise `[\n` + event lines joined by `,\n` + `\n]\n`.
 * Written page by page, so a day of any size is never held whole.
 */
export class DayFileWriter {
  private records = 0;
  private readonly encoder = new TextEncoder();

  get count(): number {
    return this.records;
  }

  /**
   * Bytes for the next page of events (ascending by timestamp, id), each already one line of JSON.
   * Lines are joined and encoded a few dozen at a time straight into the page's buffer (outside
   * the V8 heap): the page is never also one big joined string, which V8 would put in its
   * large-object space until the next full collection.
   */
  page(lines: readonly string[]): Uint8Array {
    if (lines.length === 0) return new Uint8Array(0);
    // UTF-8 takes at most 3 bytes per UTF-16 unit; 2 separator bytes per line.
    const bytes = new Uint8Array(lines.reduce((sum, line) => sum + 3 * line.length + 2, 0));
    let written = 0;
    for (let start = 0; start < lines.length; start += LINES_PER_GROUP) {
      const separator = this.records === 0 && start === 0 ? '[\n' : ',\n';
      const text = `${separator}${lines.slice(start, start + LINES_PER_GROUP).join(',\n')}`;
      written += this.encoder.encodeInto(text, bytes.subarray(written)).written;
    }
    this.records += lines.length;
    return bytes.subarray(0, written);
  }

  end(): Uint8Array {
    return this.encoder.encode(this.records === 0 ? '[]\n' : '\n]\n');
  }
}
