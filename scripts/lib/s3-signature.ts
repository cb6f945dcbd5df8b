/**
 * Verification of AWS Signature V4 (header form) the way S3 does it, with AWS's own implementation
 * (@smithy/signature-v4), independent of the client under test (aws4fetch). Used by the local S3
 * gate (scripts/lib/s3-gate.ts) because s3rver 3.x does not check V4 signatures at all
 * (docs/research/sign-in-and-streams-spike.md §3). Erasable TypeScript only.
 */
import { createHash, createHmac, type Hash, type Hmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { SignatureV4 } from '@smithy/signature-v4';

/** [status, S3 error code, message] */
export type S3Refusal = [number, string, string];

type Data = string | ArrayBuffer | ArrayBufferView;
const bytesOf = (data: Data): Buffer =>
  typeof data === 'string'
    ? Buffer.from(data)
    : ArrayBuffer.isView(data)
      ? Buffer.from(data.buffer, data.byteOffset, data.byteLength)
      : Buffer.from(data);

/** The hash constructor @smithy/signature-v4 wants (SHA-256, HMAC when given a secret), on node:crypto. */
class Sha256 {
  private hash: Hash | Hmac;
  private readonly secret: Data | undefined;
  constructor(secret?: Data) {
    this.secret = secret;
    this.hash = Sha256.make(secret);
  }
  private static make(secret?: Data): Hash | Hmac {
    return secret === undefined ? createHash('sha256') : createHmac('sha256', bytesOf(secret));
  }
  update(data: Data): void {
    this.hash.update(bytesOf(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {
    this.hash = Sha256.make(this.secret);
  }
}

const same = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/** S3's canonical URI: each segment decoded once and re-encoded per RFC 3986 (no double encoding). */
const canonicalPath = (raw: string): string =>
  raw
    .split('/')
    .map((segment) =>
      encodeURIComponent(decodeURIComponent(segment)).replace(/[!'()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`),
    )
    .join('/');

const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/s3\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/;

function signingDateOf(amzDate: string, scopeDate: string): Date | null {
  const parts = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate)?.slice(1).map(Number);
  if (!parts || amzDate.slice(0, 8) !== scopeDate) return null;
  const [year = 0, month = 1, day = 0, hour = 0, minute = 0, second = 0] = parts;
  return new Date(Date.UTC(year, month - 1, day, hour, minute, second));
}

/** The body checks S3 makes before the signature: payload hash, then Content-MD5. */
function bodyRefusal(request: IncomingMessage, body: Buffer): S3Refusal | null {
  const payloadHash = String(request.headers['x-amz-content-sha256']);
  if (payloadHash !== 'UNSIGNED-PAYLOAD' && !same(payloadHash, createHash('sha256').update(body).digest('hex'))) {
    return [400, 'XAmzContentSHA256Mismatch', "The provided 'x-amz-content-sha256' header does not match what was computed."];
  }
  const md5 = request.headers['content-md5'];
  if (md5 !== undefined && !same(String(md5), createHash('md5').update(body).digest('base64'))) {
    return [400, 'BadDigest', 'The Content-MD5 you specified did not match what we received.'];
  }
  return null;
}

/** Returns null when the request is authentic. */
export async function verifySignatureV4(
  request: IncomingMessage,
  body: Buffer,
  url: URL,
  region: string,
  keys: ReadonlyMap<string, string>,
): Promise<S3Refusal | null> {
  const match = AUTHORIZATION.exec(request.headers.authorization ?? '');
  if (!match) return [403, 'AccessDenied', 'Signature V4 Authorization header required'];
  const [, accessKeyId = '', scopeDate = '', scopeRegion = '', signedList = '', signature = ''] = match;
  const secretAccessKey = keys.get(accessKeyId);
  if (!secretAccessKey) return [403, 'InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.'];
  if (scopeRegion !== region) return [400, 'AuthorizationHeaderMalformed', `the region '${scopeRegion}' is wrong; expecting '${region}'`];
  const signed = signedList.split(';');
  for (const name of ['host', 'x-amz-date', 'x-amz-content-sha256']) {
    if (!signed.includes(name)) return [403, 'AccessDenied', `${name} must be signed`];
  }
  const signingDate = signingDateOf(String(request.headers['x-amz-date']), scopeDate);
  if (!signingDate) return [403, 'AccessDenied', 'bad x-amz-date'];
  if (Math.abs(Date.now() - signingDate.getTime()) > 15 * 60_000) {
    return [403, 'RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.'];
  }
  const refusal = bodyRefusal(request, body);
  if (refusal) return refusal;
  const headers: Record<string, string> = {};
  for (const name of signed) {
    const value = request.headers[name];
    if (value === undefined) return [403, 'AccessDenied', `signed header ${name} missing`];
    headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const query: Record<string, string | string[]> = {};
  for (const [name, value] of url.searchParams) {
    const previous = query[name];
    query[name] = previous === undefined ? value : ([] as string[]).concat(previous, value);
  }
  const signer = new SignatureV4({
    credentials: { accessKeyId, secretAccessKey },
    region,
    service: 's3',
    sha256: Sha256,
    uriEscapePath: false,
    applyChecksum: false,
  });
  const expected = await signer.sign(
    {
      method: request.method ?? 'GET',
      protocol: 'http:',
      hostname: url.hostname,
      port: Number(url.port),
      path: canonicalPath((request.url ?? '/').split('?')[0] ?? '/'),
      query,
      headers,
      body,
    },
    { signingDate, signableHeaders: new Set(signed) },
  );
  const expectedSignature = /Signature=([0-9a-f]{64})/.exec(String(expected.headers.authorization))?.[1] ?? '';
  if (!same(expectedSignature, signature)) {
    return [
      403,
      'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
    ];
  }
  return null;
}
