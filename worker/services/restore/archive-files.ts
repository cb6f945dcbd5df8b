/**
 * Where a week's archive is in R2, found by listing the organization's archive prefix rather than
 * by the shard's archives rows: a restore must work when the shard lost those rows too.
 */
import { archiveKeys } from '../archive/index.ts';

/** One archive revision of a week whose manifest is in R2. */
export interface StoredRevision {
  startDate: string;
  revision: number;
  keys: { zip: string; manifest: string; signature: string };
}

const MANIFEST_KEY = /^(\d{4}-\d{2}-\d{2})(?:\.rev(\d+))?\.manifest\.json$/;

/** Every manifest the organization has in R2 (any week, any revision), by its key. */
export async function listManifests(bucket: R2Bucket, organizationId: string): Promise<StoredRevision[]> {
  const prefix = `orgs/${organizationId}/archives/`;
  const found: StoredRevision[] = [];
  let cursor: string | undefined;
  do {
    const page = await bucket.list({ prefix, cursor, limit: 1000 });
    for (const object of page.objects) {
      const match = MANIFEST_KEY.exec(object.key.slice(prefix.length));
      if (!match?.[1]) continue;
      const revision = match[2] === undefined ? 1 : Number(match[2]);
      // Revision 1 has the plain keys; a ".rev1" key is not one this service writes.
      if (revision < 1 || (match[2] !== undefined && revision === 1)) continue;
      found.push({ startDate: match[1], revision, keys: archiveKeys(organizationId, match[1], revision) });
    }
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return found;
}

/** The week's latest revision among the listed manifests, or null when the week has no archive. */
export function latestOf(manifests: readonly StoredRevision[], startDate: string): StoredRevision | null {
  let latest: StoredRevision | null = null;
  for (const entry of manifests) if (entry.startDate === startDate && (!latest || entry.revision > latest.revision)) latest = entry;
  return latest;
}

export async function objectBytes(bucket: R2Bucket, key: string): Promise<Uint8Array | null> {
  const object = await bucket.get(key);
  return object ? new Uint8Array(await object.arrayBuffer()) : null;
}

async function* streamChunks(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
  let done = false;
  try {
    for (;;) {
      const next = await reader.read();
      if (next.done) {
        done = true;
        return;
      }
      yield next.value;
    }
  } finally {
    if (!done) await reader.cancel().catch(() => undefined);
  }
}

/**
 * The ZIP's bytes as a stream of chunks, pinned to the ETag an earlier read saw (null when the
 * object is gone or changed since): the bytes a restore inserts are the bytes it verified.
 */
export async function zipChunks(
  bucket: R2Bucket,
  key: string,
  etag?: string,
): Promise<{ etag: string; chunks: AsyncIterable<Uint8Array> } | null> {
  const object = await bucket.get(key, etag === undefined ? undefined : { onlyIf: { etagMatches: etag } });
  if (!object || !('body' in object)) return null;
  return { etag: object.etag, chunks: streamChunks(object.body) };
}
