import { z } from 'zod';
import { DEFLATE_LEVEL, type EntryResult } from '../../archive/zip-stream.ts';
import type { DayFingerprint } from './archive-rows.ts';

/**
 * Day parts: one closed day's DEFLATE data for the week's ZIP, made ahead by the daily cron, so
 * the build at the week's end deflates only what changed (docs/ARCHITECTURE.md, "The archive path").
 * A part is found by what it holds, never by a "latest" pointer: its summary's R2 key names the
 * day-file format, the deflate level, the page size (pages set the deflate chunks, so the bytes)
 * and the day's fingerprint (services/archive/archive-rows.ts `dayFingerprint`). A part with another
 * fingerprint is simply not found, and the week builds that day from D1; parts only save work,
 * never decide what an archive holds.
 */

/**
 * Raise when the bytes of a day file change for the same events (events/event-line.ts,
 * archive/day-file.ts), so parts made by older code are no longer found. test/archive-day-parts
 * pins the bytes of a fixed day to this number.
 */
export const DAY_PART_FORMAT = 3;

/** What the week's manifest and ZIP entry need of a part, besides its bytes. */
const partSummarySchema = z.object({
  records: z.number().int().positive(),
  maxSequence: z.number().int().positive(),
  size: z.number().int().nonnegative(),
  crc: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** The data object's size: a part whose data is not that long is not used. */
  deflatedBytes: z.number().int().positive(),
  /** The data object: each build writes its own (see dayPartKeys). */
  dataKey: z.string(),
});
export type DayPartSummary = z.infer<typeof partSummarySchema> & EntryResult;

/**
 * Outside `orgs/`, the prefix the archives' write-once lock covers (docs/OPERATIONS.md, "Write-once
 * archives"): day parts are working files that builds and retention delete.
 */
export const dayPartsPrefix = (organizationId: string, date: string) => `archive-days/${organizationId}/${date}/`;
/** Where parts were written before they moved out of `orgs/`: still cleaned up, while the lock lets it. */
const legacyDayPartsPrefix = (organizationId: string, date: string) => `orgs/${organizationId}/archive-days/${date}/`;

/**
 * The summary's key names the part; the data's key is new for every build (two builds of one
 * day, say a duplicate message, never write over each other's data), and the summary, written
 * once the data is complete, says which data it describes.
 */
export function dayPartKeys(organizationId: string, date: string, pageSize: number, fingerprint: DayFingerprint) {
  const stem = `${dayPartsPrefix(organizationId, date)}f${DAY_PART_FORMAT}-l${DEFLATE_LEVEL}-p${pageSize}-${fingerprint.records}-${fingerprint.maxSequence}`;
  return { summary: `${stem}.json`, newData: () => `${stem}.${crypto.randomUUID()}.deflate`, dataPrefix: `${stem}.` };
}

export interface FoundDayPart {
  summary: DayPartSummary;
  deflated: AsyncIterable<Uint8Array<ArrayBuffer>>;
}

/** The part holding exactly these events, or null (none, or its summary is not one we wrote). */
export async function findDayPart(
  bucket: R2Bucket,
  organizationId: string,
  date: string,
  pageSize: number,
  fingerprint: DayFingerprint,
): Promise<FoundDayPart | null> {
  const keys = dayPartKeys(organizationId, date, pageSize, fingerprint);
  const summaryObject = await bucket.get(keys.summary);
  if (!summaryObject) return null;
  const parsed = partSummarySchema.safeParse(await summaryObject.json().catch(() => null));
  if (
    !parsed.success ||
    parsed.data.records !== fingerprint.records ||
    parsed.data.maxSequence !== fingerprint.maxSequence ||
    !parsed.data.dataKey.startsWith(keys.dataPrefix) ||
    !parsed.data.dataKey.endsWith('.deflate')
  )
    return null;
  const data = await bucket.get(parsed.data.dataKey);
  if (!data) return null;
  if (data.size !== parsed.data.deflatedBytes) {
    await data.body.cancel();
    return null;
  }
  return { summary: parsed.data, deflated: readChunks(data.body) };
}

export async function hasDayPart(
  bucket: R2Bucket,
  organizationId: string,
  date: string,
  pageSize: number,
  fingerprint: DayFingerprint,
): Promise<boolean> {
  return (await bucket.head(dayPartKeys(organizationId, date, pageSize, fingerprint).summary)) !== null;
}

export async function putDayPartSummary(bucket: R2Bucket, key: string, summary: DayPartSummary): Promise<void> {
  await bucket.put(key, JSON.stringify(summary), { httpMetadata: { contentType: 'application/json' } });
}

/** Deletes every part of these days (their events left D1, so no build can use them again). */
export async function deleteDayParts(bucket: R2Bucket, organizationId: string, dates: readonly string[]): Promise<number> {
  let deleted = 0;
  for (const date of dates) {
    deleted += await deletePrefix(bucket, dayPartsPrefix(organizationId, date));
    deleted += await deletePrefix(bucket, legacyDayPartsPrefix(organizationId, date)).catch(() => 0);
  }
  return deleted;
}

async function deletePrefix(bucket: R2Bucket, prefix: string): Promise<number> {
  let deleted = 0;
  let cursor: string | undefined;
  do {
    const listed = await bucket.list({ prefix, cursor });
    const keys = listed.objects.map((object) => object.key);
    if (keys.length > 0) await bucket.delete(keys);
    deleted += keys.length;
    cursor = listed.truncated ? listed.cursor : undefined;
  } while (cursor);
  return deleted;
}

async function* readChunks(body: ReadableStream<Uint8Array<ArrayBuffer>>): AsyncGenerator<Uint8Array<ArrayBuffer>> {
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    // Left mid-way (the build failed): the rest of the object is not wanted.
    await reader.cancel().catch(() => undefined);
  }
}
