import { and, eq, isNull, sql } from 'drizzle-orm';
import { DAY_MS } from '../../archive/week.ts';
import type { Credential, Principal } from '../../auth/principal.ts';
import type { Config } from '../../config.ts';
import type { AuditEventInput, IngestResult, ParsedIngestBody } from '../../contract/ingest.ts';
import type { Database } from '../../db/client.ts';
import { eventUlid } from '../../db/ids.ts';
import { inJsonList } from '../../db/json-list.ts';
import { auditEvents, instances } from '../../db/schema.ts';
import { ApiError, type FieldError, forbidden, invalid } from '../../errors.ts';
import { type NewAuditEvent, toEvent } from '../../events/event-shape.ts';
import { eventColumns, isEventIdCollision, orgKey, type PreparedEvents, prepareEvents, storeStatements } from '../event-store/index.ts';
import { getSettings } from '../organizations/index.ts';

const FUTURE_SKEW_MS = 5 * 60 * 1000;

/** Everything the ingest pipeline needs to know about one request. */
export interface IngestRequest {
  organizationId: string;
  body: ParsedIngestBody;
  /** The authenticated caller, the key it sends with (recorded as sourceKeyId) and the instance that key is bound to (null: not bound to one). */
  caller: Principal;
  sourceKeyId: string | null;
  boundInstanceId: string | null;
  config: Config;
  now: number;
}

/**
 * The one ingest pipeline: every rule an event must meet beyond its shape, and every error
 * pointer, lives here. A batch is all-or-nothing: one bad item rejects it and nothing is written.
 */
export async function ingest(control: Database, events: Database, request: IngestRequest): Promise<IngestResult> {
  const newEvents = request.body.events.map((input) => toNewEvent(input, request.sourceKeyId, request.caller.credential));
  const pointer = (index: number, field: string) => (request.body.batch ? `items/${index}/${field}` : field);
  // Instances and settings live in the main database, the events in the organization's shard.
  const errors = await ruleViolations(control, request, newEvents, pointer);
  if (errors.length > 0) throw invalid('One or more events are invalid; nothing was written.', errors);
  if (request.boundInstanceId !== null && newEvents.some((event) => event.instanceId !== request.boundInstanceId)) {
    throw forbidden(`This API key may only write events of instance ${request.boundInstanceId}.`);
  }
  return storeEvents(events, request, newEvents, pointer);
}

function toNewEvent(input: AuditEventInput, sourceKeyId: string | null, credential: Credential): NewAuditEvent {
  const timestamp = Date.parse(input.timestamp);
  return {
    id: input.id ?? eventUlid(timestamp),
    instanceId: input.instanceId ?? null,
    timestamp,
    action: input.action,
    actor: input.actor,
    object: input.object,
    details: input.details ?? null,
    source: 'ingest',
    sourceKeyId,
    credential,
  };
}

type Pointer = (index: number, field: string) => string;

/** Organization match, clock skew, age limit and live instance, for every item. */
async function ruleViolations(db: Database, request: IngestRequest, events: NewAuditEvent[], pointer: Pointer): Promise<FieldError[]> {
  const { organizationId, now, config } = request;
  // The platform admin may backfill history (imports, the demo seed) up to the organization's hot
  // retention (older weeks may already be archived and purged); everyone else is held to MAX_EVENT_AGE_DAYS.
  const backfill = request.caller.kind === 'platform-admin';
  const maxAgeDays = backfill ? (await getSettings(db, organizationId, config)).hotRetentionDays : config.maxEventAgeDays;
  const oldest = now - maxAgeDays * DAY_MS;
  const instanceIds = [...new Set(events.flatMap((event) => (event.instanceId ? [event.instanceId] : [])))];
  const known = await liveInstanceIds(db, organizationId, instanceIds);
  const errors: FieldError[] = [];
  request.body.events.forEach((input, index) => {
    const event = events[index] as NewAuditEvent;
    if (input.organizationId !== undefined && input.organizationId !== organizationId) {
      errors.push({
        pointer: pointer(index, 'organizationId'),
        detail: `must be ${organizationId} (the organization in the path) or omitted`,
      });
    }
    if (event.timestamp > now + FUTURE_SKEW_MS) {
      errors.push({ pointer: pointer(index, 'timestamp'), detail: 'is more than 5 minutes ahead of the server clock' });
    }
    if (event.timestamp < oldest) {
      const limit = backfill ? "the organization's hot retention" : 'MAX_EVENT_AGE_DAYS';
      errors.push({ pointer: pointer(index, 'timestamp'), detail: `is older than ${maxAgeDays} days (${limit})` });
    }
    if (event.instanceId !== null && !known.has(event.instanceId)) {
      errors.push({ pointer: pointer(index, 'instanceId'), detail: `instance ${event.instanceId} does not exist in this organization` });
    }
  });
  return errors;
}

/** Which of these instance ids are live instances of the organization. */
async function liveInstanceIds(db: Database, organizationId: string, instanceIds: string[]): Promise<Set<string>> {
  if (instanceIds.length === 0) return new Set();
  const rows = await db
    .select({ id: instances.id })
    .from(instances)
    .where(and(eq(instances.organizationId, organizationId), isNull(instances.deletedAt), inJsonList(instances.id, instanceIds)));
  return new Set(rows.map((row) => row.id));
}

async function storedHashes(db: Database, organizationId: string, ids: string[]): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  // One JSON parameter per lookup keeps us under D1's 100-parameter limit for any batch size.
  const rows = await db
    .select({ id: auditEvents.id, contentHash: sql<string>`lower(hex(${auditEvents.contentHash}))` })
    .from(auditEvents)
    .where(and(eq(auditEvents.orgKey, orgKey(organizationId)), inJsonList(auditEvents.id, ids)));
  for (const row of rows) found.set(row.id, row.contentHash);
  return found;
}

/** Items whose id is stored (or appears earlier in the batch) with other content. */
async function idConflicts(db: Database, prepared: PreparedEvents, pointer: Pointer): Promise<FieldError[]> {
  const conflicts: FieldError[] = [];
  const firstById = new Map<string, string>();
  prepared.rows.forEach((row, index) => {
    const earlier = firstById.get(row.id);
    if (earlier === undefined) firstById.set(row.id, row.contentHash);
    else if (earlier !== row.contentHash) {
      conflicts.push({ pointer: pointer(index, 'id'), detail: `id ${row.id} appears earlier in this batch with other content` });
    }
  });
  const stored = await storedHashes(db, prepared.organizationId, [...firstById.keys()]);
  prepared.rows.forEach((row, index) => {
    const hash = stored.get(row.id);
    if (hash !== undefined && hash !== row.contentHash) {
      conflicts.push({ pointer: pointer(index, 'id'), detail: `id ${row.id} is already stored with different content` });
    }
  });
  return conflicts;
}

/** The first entry of each id, in order. */
function firstOfEachId<Entry extends { id: string }>(entries: Entry[]): Entry[] {
  const seen = new Set<string>();
  return entries.filter((entry) => {
    if (seen.has(entry.id)) return false;
    seen.add(entry.id);
    return true;
  });
}

const conflictError = (conflicts: FieldError[]) =>
  new ApiError('event-id-conflict', 'An event id is already used by an event with different content; nothing was written.', conflicts);

/**
 * Stores validated events all-or-nothing (one D1 batch = one transaction). An id already stored
 * with the same content counts as a duplicate; with other content the whole batch is a 409. The
 * check before writing answers the common case; a writer that wins a race in between makes the
 * batch itself fail on the primary key (see storeStatements), and that is a 409 too.
 */
async function storeEvents(db: Database, request: IngestRequest, events: NewAuditEvent[], pointer: Pointer): Promise<IngestResult> {
  const prepared = await prepareEvents(request.organizationId, events, request.now);
  const conflicts = await idConflicts(db, prepared, pointer);
  if (conflicts.length > 0) throw conflictError(conflicts);
  // An id sent twice in the batch (same content: the conflicts above refused other content) is one
  // row and one search entry: each search entry is an FTS5 insert, and FTS5 counts a second insert
  // of the same rowid as another document.
  const unique = { ...prepared, rows: firstOfEachId(prepared.rows), search: firstOfEachId(prepared.search) };
  const { before, inserts, rest } = storeStatements(db, unique);
  const ids = events.map((event) => event.id);
  // The events as stored, read in the same batch (after the writes): their contentHash is the answer's.
  const stored = storedEvents(db, request.organizationId, [...new Set(ids)]);
  if (inserts.length === 0) {
    return { accepted: 0, duplicates: events.length, ids, hashes: hashesOf(request.organizationId, ids, await stored) };
  }
  const [head, ...tail] = [...before, ...inserts, ...rest, stored];
  let results: { id: string }[][];
  let storedRows: StoredRows;
  try {
    const answers = await db.batch([head as NonNullable<typeof head>, ...tail]);
    results = answers.slice(before.length, before.length + inserts.length) as { id: string }[][];
    storedRows = answers.at(-1) as StoredRows;
  } catch (error) {
    if (!isEventIdCollision(error)) throw error;
    const raced = await idConflicts(db, prepared, pointer);
    throw raced.length > 0 ? conflictError(raced) : error;
  }
  const accepted = results.reduce((sum, inserted) => sum + inserted.length, 0);
  return { accepted, duplicates: events.length - accepted, ids, hashes: hashesOf(request.organizationId, ids, storedRows) };
}

function storedEvents(db: Database, organizationId: string, ids: string[]) {
  return db
    .select(eventColumns)
    .from(auditEvents)
    .where(and(eq(auditEvents.orgKey, orgKey(organizationId)), inJsonList(auditEvents.id, ids)));
}
type StoredRows = Awaited<ReturnType<typeof storedEvents>>;

/**
 * id → contentHash of the stored event, in the order of the answer's ids. Every id is stored (the
 * read is in the batch that wrote them, or follows a batch that found them all stored); one that
 * retention removed in between would be left out rather than given a made-up hash.
 */
function hashesOf(organizationId: string, ids: string[], rows: StoredRows): Record<string, string> {
  const byId = new Map(rows.map((row) => [row.id, toEvent(organizationId, row).contentHash]));
  return Object.fromEntries(ids.flatMap((id) => (byId.has(id) ? [[id, byId.get(id) as string]] : [])));
}
