import { toHex } from '../hex.ts';
/** Incremental SHA-256 over chunks, with the runtime's native DigestStream (no buffering). */
export class Sha256Stream {
  private readonly stream = new crypto.DigestStream('SHA-256');
  private readonly writer = this.stream.getWriter();

  async write(chunk: Uint8Array): Promise<void> {
    await this.writer.write(chunk);
  }

  async hex(): Promise<string> {
    await this.writer.close();
    return toHex(new Uint8Array(await this.stream.digest));
  }
}
