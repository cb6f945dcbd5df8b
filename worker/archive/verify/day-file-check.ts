/** One day file (`YYYY-MM-DD.json`) of a weekly archive, checked on its own and against the archive so far. */

import { contentHashOf } from '../../events/content-hash.ts';
import { DAY_MS } from '../week.ts';
import { bytesEqual, decodeUtf8, describeDifference, sha256Hex } from './bytes.ts';
import { formatDate } from './dates.ts';
import { checkContentHash, checkEventShape, isSequence } from './event-check.ts';
import { LimitedList, MAX_PROBLEMS_PER_FILE, type VerifyReport } from './report.ts';
import { describeValue, errorMessage, isObject, type JsonObject } from './values.ts';

const encoder = new TextEncoder();

export interface DayFileResult {
  records: number;
  sha256: string;
}

/** What the day files of one archive must agree on. */
export interface ArchiveContext {
  /** The organization every event must belong to (the manifest's, else the first event's). */
  organizationId: string | null;
  /** id → where it was first seen. */
  ids: Map<string, string>;
  /** sequence → where it was first seen. */
  sequenceSeenAt: Map<number, string>;
  /** Every valid sequence found, repeats included, so a folder check sees duplicates too. */
  sequences: number[];
  /** The content hash of each event of `sequences`, in the same order (the hash chain's input). */
  contentHashes: string[];
  /** Events without a sequence field (built before events had one). */
  withoutSequence: number;
}

/** An archive's context before its first day file: nothing seen yet. */
export function newArchiveContext(): ArchiveContext {
  return { organizationId: null, ids: new Map(), sequenceSeenAt: new Map(), sequences: [], contentHashes: [], withoutSequence: 0 };
}

/** The exact day-file bytes for these events: one event per line (see docs/verifying-archives.md). */
function serializeDayFile(events: readonly unknown[]): string {
  if (events.length === 0) return '[]\n';
  return `[\n${events.map((event) => JSON.stringify(event)).join(',\n')}\n]\n`;
}

/**
 * Checks one day file: byte-exact format, event shape, day window, (timestamp, id) order,
 * duplicate ids and sequences, and organization. Problems go to `report.problems`.
 */
export async function checkDayFile(
  name: string,
  dayStart: number,
  data: Uint8Array,
  context: ArchiveContext,
  report: VerifyReport,
): Promise<DayFileResult> {
  const result: DayFileResult = { records: 0, sha256: await sha256Hex(data) };
  const events = parseDayFile(name, data, report.problems);
  if (events === null) return result;
  result.records = events.length;
  const problems = new LimitedList(MAX_PROBLEMS_PER_FILE);

  const expectedBytes = encoder.encode(serializeDayFile(events));
  if (!bytesEqual(expectedBytes, data)) {
    problems.add(
      `${name}: not in the exact day-file format (one JSON.stringify'd event per line, "[\\n" … ",\\n" … "\\n]\\n"): ${describeDifference(expectedBytes, data)}`,
    );
  }
  const { sequenced, hashed } = checkEvents(name, dayStart, events, context, problems);
  // Day files built since events carry their contentHash have it on every event; older ones on none.
  if (hashed > 0 && hashed < events.length) {
    problems.add(
      `${name}: ${events.length - hashed} of ${events.length} events have no contentHash (a day file has it on every event or on none)`,
    );
  }

  if (problems.count === 0) {
    const day = formatDate(dayStart);
    report.checks.push(
      events.length === 0
        ? `${name}: empty day, exact bytes "[]\\n"`
        : `${name}: ${events.length} event${events.length === 1 ? '' : 's'}, exact day-file format, all within ${day} UTC, sorted by (timestamp, id), well-formed, unique ids${sequenced > 0 ? ', unique sequences' : ''}${hashed > 0 ? ', every contentHash recomputed' : ''}, one organization`,
    );
  }
  problems.flushInto(report.problems, name);
  return result;
}

/** The file's events, or null (and a problem) when it is not UTF-8 JSON holding an array. */
function parseDayFile(name: string, data: Uint8Array, problems: string[]): unknown[] | null {
  const text = decodeUtf8(data);
  if (text instanceof Error) {
    problems.push(`${name}: ${text.message}`);
    return null;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    problems.push(`${name}: not valid JSON (${errorMessage(error)})`);
    return null;
  }
  if (!Array.isArray(parsed)) {
    problems.push(`${name}: expected a JSON array of events, found ${describeValue(parsed)}`);
    return null;
  }
  return parsed;
}

/**
 * Every event of the file: its shape, organization, id and sequence (against the archive so far),
 * its contentHash (when it carries one), its day and its place in (timestamp, id) order. Returns
 * how many carry a valid sequence and how many a contentHash.
 */
function checkEvents(name: string, dayStart: number, events: unknown[], context: ArchiveContext, problems: LimitedList) {
  const dayEnd = dayStart + DAY_MS;
  const day = formatDate(dayStart);
  let previous: { timestamp: number; id: string; line: number } | null = null;
  let sequenced = 0;
  let hashed = 0;
  for (const [index, event] of events.entries()) {
    const line = index + 2;
    if (!isObject(event)) {
      problems.add(`${name} line ${line}: an event must be a JSON object, found ${describeValue(event)}`);
      previous = null;
      continue;
    }
    const id = typeof event.id === 'string' ? event.id : null;
    const where = `${name} line ${line}${id === null ? '' : ` (event ${id})`}`;
    const timestamp = checkEventShape(problems, where, event);
    if (checkContentHash(problems, where, event)) hashed += 1;
    if (trackIdentity(event, id, { where, at: `${name} line ${line}` }, context, problems)) sequenced += 1;
    if (timestamp !== null && (timestamp < dayStart || timestamp >= dayEnd)) {
      problems.add(
        `${where}: timestamp ${String(event.timestamp)} is outside the file's day ${day} (UTC, [${day}T00:00:00Z, ${formatDate(dayEnd)}T00:00:00Z))`,
      );
    }
    if (timestamp !== null && id !== null) {
      if (previous && (timestamp < previous.timestamp || (timestamp === previous.timestamp && id < previous.id))) {
        problems.add(
          `${where}: out of order — it must come before line ${previous.line} (event ${previous.id}); events are sorted ascending by (timestamp, id)`,
        );
      }
      previous = { timestamp, id, line };
    } else previous = null;
  }
  return { sequenced, hashed };
}

/**
 * One event's organization, id and sequence against the archive's so far (recording them for the
 * events after it). `where` names the event in messages, `at` is where it is remembered as seen.
 * Returns whether it carries a valid sequence.
 */
function trackIdentity(
  event: JsonObject,
  id: string | null,
  { where, at }: { where: string; at: string },
  context: ArchiveContext,
  problems: LimitedList,
): boolean {
  if (typeof event.organizationId === 'string') {
    if (context.organizationId === null) context.organizationId = event.organizationId;
    else if (event.organizationId !== context.organizationId) {
      problems.add(`${where}: organizationId is ${describeValue(event.organizationId)}, expected ${describeValue(context.organizationId)}`);
    }
  }
  if (id !== null) {
    const seenAt = context.ids.get(id);
    if (seenAt !== undefined) problems.add(`${where}: duplicate id, already at ${seenAt}`);
    else context.ids.set(id, at);
  }
  if (!('sequence' in event)) {
    context.withoutSequence += 1;
    return false;
  }
  if (!isSequence(event.sequence)) return false;
  context.sequences.push(event.sequence);
  context.contentHashes.push(contentHashOf(event));
  const seenAt = context.sequenceSeenAt.get(event.sequence);
  if (seenAt !== undefined) problems.add(`${where}: duplicate sequence ${event.sequence}, already at ${seenAt}`);
  else context.sequenceSeenAt.set(event.sequence, at);
  return true;
}
