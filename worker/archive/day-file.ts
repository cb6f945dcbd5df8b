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

  /** Bytes for the next page of events (ascending by timestamp, id). */
  page(events: readonly unknown[]): Uint8Array {
    let text = '';
    for (const event of events) {
      text += `${this.records === 0 ? '[\n' : ',\n'}${JSON.stringify(event)}`;
      this.records += 1;
    }
    return this.encoder.encode(text);
  }

  end(): Uint8Array {
    return this.encoder.encode(this.records === 0 ? '[]\n' : '\n]\n');
  }
}
