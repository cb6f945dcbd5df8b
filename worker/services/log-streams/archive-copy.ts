/**
 * Copies one stored archive file to an s3 stream's bucket, byte for byte, without holding it in
 * memory (a week's ZIP can be hundreds of MB): one pass over the R2 object computes its MD5 and
 * SHA-256 (crypto.DigestStream), a second read is the body of the signed PUT, sent with its
 * Content-Length (FixedLengthStream: S3 refuses a chunked upload without one). The second read is
 * conditional on the first's etag, so the signed hashes are those of the bytes sent; the
 * destination checks both (`Content-MD5`, `x-amz-content-sha256`) and refuses anything else.
 */
import { archiveCopyTimeoutMs } from '../../streams/delivery-policy.ts';
import { type PayloadHashes, payloadHashes, type S3Settings, s3ArchiveUpload } from '../../streams/destinations/s3.ts';
import { type SendOutcome, sendRequest } from './send.ts';

/** The file is no longer in R2 (archive retention removed it): there is nothing to copy. */
type CopyResult = { missing: true } | { missing: false; outcome: SendOutcome; bytes: number };

async function digests(body: ReadableStream<Uint8Array>): Promise<PayloadHashes> {
  const md5 = new crypto.DigestStream('MD5');
  const sha256 = new crypto.DigestStream('SHA-256');
  const [forMd5, forSha256] = body.tee();
  await Promise.all([forMd5.pipeTo(md5), forSha256.pipeTo(sha256)]);
  return payloadHashes(await sha256.digest, await md5.digest);
}

export async function copyArchiveFile(
  bucket: R2Bucket,
  settings: S3Settings,
  target: { organizationId: string; startDate: string; file: string; key: string },
  allowInsecure: boolean,
): Promise<CopyResult> {
  const first = await bucket.get(target.key);
  if (!first) return { missing: true };
  const hashes = await digests(first.body);
  const upload = await s3ArchiveUpload(settings, { ...target, hashes });
  const second = await bucket.get(target.key, { onlyIf: { etagMatches: first.etag } });
  if (!second) return { missing: true };
  // Archive keys are written once (a new revision gets new keys), so this is a broken invariant, not a race to retry quietly.
  if (!('body' in second)) throw new Error(`${target.key} changed while it was being copied`);
  const { readable, writable } = new FixedLengthStream(first.size);
  const stop = new AbortController();
  const piping = second.body.pipeTo(writable, { signal: stop.signal }).catch(() => undefined);
  const outcome = await sendRequest({ ...upload, body: readable }, allowInsecure, archiveCopyTimeoutMs(first.size));
  // A refusal before the whole body was read leaves the R2 stream waiting on backpressure: close it.
  if (!outcome.ok) stop.abort();
  await piping;
  return { missing: false, outcome, bytes: first.size };
}
