import { AwsV4Signer } from 'aws4fetch';
import type { AuditEvent } from '../../contract/audit-event.ts';
import { toHex } from '../../hex.ts';
import { type DestinationRequest, type EventPayload, gzip, nativePayload, ndjson, STREAM_USER_AGENT, span, utf8 } from './request.ts';
import { archiveObjectKey, batchObjectKey, encodeKey } from './s3-key.ts';

/** An S3-compatible bucket (S3, R2, GCS interoperability, MinIO…), addressed path-style. */
export interface S3Settings {
  /** e.g. `https://s3.eu-west-1.amazonaws.com`, `https://<account>.r2.cloudflarestorage.com`. */
  endpoint: string;
  region: string;
  bucket: string;
  prefix: string;
  accessKeyId: string;
  secretAccessKey: string;
}

const base64 = (bytes: Uint8Array): string => btoa(Array.from(bytes, (byte) => String.fromCharCode(byte)).join(''));

/** The two digests a signed PUT carries: hex SHA-256 (`x-amz-content-sha256`) and base64 MD5 (`Content-MD5`). */
export interface PayloadHashes {
  sha256Hex: string;
  md5Base64: string;
}

/** The header forms of the raw SHA-256 and MD5 digests of a body. */
export const payloadHashes = (sha256: ArrayBuffer, md5: ArrayBuffer): PayloadHashes => ({
  sha256Hex: toHex(new Uint8Array(sha256)),
  md5Base64: base64(new Uint8Array(md5)),
});

/**
 * A PUT signed with Signature V4 over every header we send, the payload included: aws4fetch would
 * sign `UNSIGNED-PAYLOAD` for s3 unless `x-amz-content-sha256` is given, and `Content-MD5` is what
 * Object Lock buckets require (and lets any store refuse a body damaged on the way). The hashes
 * are given, so the body itself is not needed here: it can be a stream hashed beforehand.
 */
async function signPut(
  settings: S3Settings,
  key: string,
  hashes: PayloadHashes,
  contentType: string,
): Promise<Pick<DestinationRequest, 'url' | 'method' | 'headers'>> {
  const url = `${settings.endpoint.replace(/\/+$/, '')}/${encodeURIComponent(settings.bucket)}/${encodeKey(key)}`;
  const signer = new AwsV4Signer({
    url,
    method: 'PUT',
    headers: { 'content-type': contentType, 'content-md5': hashes.md5Base64, 'x-amz-content-sha256': hashes.sha256Hex },
    accessKeyId: settings.accessKeyId,
    secretAccessKey: settings.secretAccessKey,
    service: 's3',
    region: settings.region,
  });
  const signed = await signer.sign();
  const headers: Record<string, string> = { 'user-agent': STREAM_USER_AGENT };
  signed.headers.forEach((value, name) => {
    headers[name] = value;
  });
  return { url: signed.url.toString(), method: 'PUT', headers };
}

/** A signed PUT of bytes in memory. */
async function signedPut(
  settings: S3Settings,
  key: string,
  body: Uint8Array,
  contentType: string,
): Promise<Pick<DestinationRequest, 'url' | 'method' | 'headers' | 'body'>> {
  const [sha256, md5] = await Promise.all([crypto.subtle.digest('SHA-256', body), crypto.subtle.digest('MD5', body)]);
  return { ...(await signPut(settings, key, payloadHashes(sha256, md5), contentType)), body };
}

/**
 * A batch for an `s3` stream (docs/STREAMS.md): one gzip NDJSON object per batch, stored as
 * `application/gzip` without `Content-Encoding`, so every client downloads the `.ndjson.gz` as
 * the file it is named (with `Content-Encoding: gzip`, HTTP clients would silently unpack it).
 */
export async function s3BatchRequest(
  events: readonly AuditEvent[],
  settings: S3Settings,
  payload: EventPayload = nativePayload,
): Promise<DestinationRequest> {
  const sequences = span(events);
  const first = events[0] as AuditEvent;
  const key = batchObjectKey(settings.prefix, first.organizationId, first.timestamp, sequences.firstSequence, sequences.lastSequence);
  const body = await gzip(utf8(ndjson(events, payload)));
  return { ...(await signedPut(settings, key, body, 'application/gzip')), ...sequences };
}

const ARCHIVE_TYPES: Record<string, string> = { zip: 'application/zip', json: 'application/json', sig: 'application/octet-stream' };
const archiveContentType = (file: string): string => ARCHIVE_TYPES[file.split('.').pop() ?? ''] ?? 'application/octet-stream';

/**
 * A copy of one weekly archive file (ZIP, manifest or signature) for `exportArchives: true`, at
 * `<prefix>/<orgId>/archives/<startDate>/<file>`, byte for byte as the service stores it.
 */
export async function s3ArchiveRequest(
  settings: S3Settings,
  archive: { organizationId: string; startDate: string; file: string; bytes: Uint8Array },
): Promise<Pick<DestinationRequest, 'url' | 'method' | 'headers' | 'body'>> {
  const key = archiveObjectKey(settings.prefix, archive.organizationId, archive.startDate, archive.file);
  return signedPut(settings, key, archive.bytes, archiveContentType(archive.file));
}

/**
 * The signed PUT of one archive file whose bytes are streamed (services/log-streams/archive-copy.ts):
 * the caller hashed them beforehand and sends them with a known Content-Length.
 */
export async function s3ArchiveUpload(
  settings: S3Settings,
  archive: { organizationId: string; startDate: string; file: string; hashes: PayloadHashes },
): Promise<Pick<DestinationRequest, 'url' | 'method' | 'headers'>> {
  const key = archiveObjectKey(settings.prefix, archive.organizationId, archive.startDate, archive.file);
  return signPut(settings, key, archive.hashes, archiveContentType(archive.file));
}
