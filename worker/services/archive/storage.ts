import { PartBuffer } from '../../archive/part-buffer.ts';
import { Sha256Stream } from '../../archive/sha256-stream.ts';
import type { ZipSink } from '../../archive/zip-stream.ts';

/** R2 keys of one archive revision. Revision 1 uses the plain keys; later revisions never overwrite it. */
export function archiveKeys(organizationId: string, startDate: string, revision: number) {
  const base = `orgs/${organizationId}/archives/${startDate}${revision > 1 ? `.rev${revision}` : ''}`;
  return { zip: `${base}.zip`, manifest: `${base}.manifest.json`, signature: `${base}.sig` };
}

/** The names a user's download gets (Content-Disposition), for a week from startDate to endDate. */
export function archiveFileNames(startDate: string, endDate: string) {
  return { zip: `audit-logs_${startDate}_${endDate}.zip`, manifest: `${startDate}.manifest.json`, signature: `${startDate}.sig` };
}

export const MIN_PART_SIZE = 5 * 1024 * 1024;

/** A failure injected by tests at a named point of the upload, to prove the retry is clean. */
export class InjectedFailure extends Error {}

/**
 * ZIP bytes → SHA-256 + R2 multipart upload in fixed-size parts. `drain` uploads every full part,
 * so the buffer never holds more than one part and one chunk.
 */
export class MultipartSink implements ZipSink {
  private readonly buffer: PartBuffer;
  private readonly hash = new Sha256Stream();
  private unhashed: Uint8Array[] = [];
  private readonly parts: R2UploadedPart[] = [];
  bytes = 0;

  private readonly upload: R2MultipartUpload;
  private readonly failAfterParts: number | null;

  constructor(upload: R2MultipartUpload, partSize: number, failAfterParts: number | null = null) {
    this.upload = upload;
    this.failAfterParts = failAfterParts;
    if (partSize < MIN_PART_SIZE) throw new RangeError(`R2 parts must be at least ${MIN_PART_SIZE} bytes`);
    this.buffer = new PartBuffer(partSize);
  }

  get peakBufferedBytes(): number {
    return this.buffer.peakBufferedBytes;
  }

  get partCount(): number {
    return this.parts.length;
  }

  write(chunk: Uint8Array): void {
    if (chunk.byteLength === 0) return;
    this.buffer.push(chunk);
    this.unhashed.push(chunk);
    this.bytes += chunk.byteLength;
  }

  private async uploadPart(part: Uint8Array): Promise<void> {
    if (this.failAfterParts !== null && this.parts.length >= this.failAfterParts) throw new InjectedFailure('injected failure mid-upload');
    this.parts.push(await this.upload.uploadPart(this.parts.length + 1, part));
  }

  async drain(): Promise<void> {
    for (const chunk of this.unhashed) await this.hash.write(chunk);
    this.unhashed = [];
    for (let part = this.buffer.take(); part; part = this.buffer.take()) await this.uploadPart(part);
  }

  /** Uploads the last (shorter) part and completes the upload. */
  async complete(): Promise<{ sha256: string; bytes: number }> {
    await this.drain();
    const last = this.buffer.take(true);
    if (last) await this.uploadPart(last);
    const object = await this.upload.complete(this.parts);
    if (object.size !== this.bytes) throw new Error(`R2 stored ${object.size} bytes, ${this.bytes} were written`);
    return { sha256: await this.hash.hex(), bytes: this.bytes };
  }

  async abort(): Promise<void> {
    await this.upload.abort();
  }
}

export async function startMultipartUpload(bucket: R2Bucket, key: string, filename: string): Promise<R2MultipartUpload> {
  return bucket.createMultipartUpload(key, {
    httpMetadata: { contentType: 'application/zip', contentDisposition: `attachment; filename="${filename}"` },
  });
}

/**
 * An archive object is written once (docs/OPERATIONS.md, "Write-once archives"): a write that finds
 * its key taken is refused, never an overwrite.
 */
export class ArchiveKeyTaken extends Error {}

/** R2's "only if no object has this key" (If-None-Match: *). */
const ONLY_IF_ABSENT = () => new Headers({ 'if-none-match': '*' });

const TAKEN_REVISION = /\.rev(\d+)\.(zip|manifest\.json|sig)$/;

/**
 * The first revision from `from` on with no object in R2: past the highest revision any object of
 * the week has. A build that failed after writing some of its objects (the ZIP, or the manifest,
 * but no archives row) leaves them as they are, and the retry takes the next number rather than
 * writing over them. One listing of the week's keys, however many there are.
 */
export async function firstFreeRevision(bucket: R2Bucket, organizationId: string, startDate: string, from: number): Promise<number> {
  const prefix = archiveKeys(organizationId, startDate, 1).zip.slice(0, -'zip'.length);
  let highest = 0;
  let cursor: string | undefined;
  do {
    const page = await bucket.list({ prefix, cursor });
    for (const object of page.objects) {
      const rest = object.key.slice(prefix.length);
      const match = TAKEN_REVISION.exec(`.${rest}`);
      highest = Math.max(highest, match ? Number(match[1]) : ['zip', 'manifest.json', 'sig'].includes(rest) ? 1 : 0);
    }
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return Math.max(from, highest + 1);
}

/** Refuses (before completing an upload) when the key already holds an object. */
export async function refuseIfTaken(bucket: R2Bucket, key: string): Promise<void> {
  if (await bucket.head(key)) throw new ArchiveKeyTaken(`${key} already exists; archive objects are never overwritten.`);
}

export async function putArchiveSidecars(
  bucket: R2Bucket,
  keys: { manifest: string; signature: string },
  manifest: Uint8Array,
  signature: Uint8Array,
  names: { manifest: string; signature: string },
) {
  const written = await bucket.put(keys.manifest, manifest, {
    httpMetadata: { contentType: 'application/json', contentDisposition: `attachment; filename="${names.manifest}"` },
    onlyIf: ONLY_IF_ABSENT(),
  });
  if (!written) throw new ArchiveKeyTaken(`${keys.manifest} already exists; archive objects are never overwritten.`);
  const signed = await bucket.put(keys.signature, signature, {
    httpMetadata: { contentType: 'application/octet-stream', contentDisposition: `attachment; filename="${names.signature}"` },
    onlyIf: ONLY_IF_ABSENT(),
  });
  if (!signed) throw new ArchiveKeyTaken(`${keys.signature} already exists; archive objects are never overwritten.`);
}

export async function readObjectBytes(bucket: R2Bucket, key: string): Promise<Uint8Array | null> {
  const object = await bucket.get(key);
  return object ? new Uint8Array(await object.arrayBuffer()) : null;
}
