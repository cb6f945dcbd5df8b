import { and, asc, count, eq, isNull } from 'drizzle-orm';
import type { CreateLogStreamBody, LogStream, UpdateLogStreamBody } from '../../contract/log-streams.ts';
import type { WebhookFilter } from '../../contract/notification-configs.ts';
import type { Database } from '../../db/client.ts';
import { newId } from '../../db/ids.ts';
import { type LogStreamRow, logStreams } from '../../db/schema.ts';
import { violatesUnique } from '../../db/unique-violation.ts';
import { ApiError, invalidField, notFound } from '../../errors.ts';
import { type ChangeContext, managementEvent } from '../../events/management-event.ts';
import { encryptSecret } from '../../webhooks/secret-box.ts';
import { lastStoredSequence, recordChangeStatements } from '../event-store/index.ts';
import { destinationOrigin, SECRET_FIELD, type StreamSettings, splitBody } from './settings.ts';

/** A few SIEMs and a bucket per organization is the use; the cap (as webhooks') bounds one tenant's delivery work. */
const MAX_STREAMS_PER_ORGANIZATION = 20;

/** What changing streams needs besides the database: the at-rest key and the URL rule (as webhooks). */
export interface StreamSettingsDeps {
  secretKey: string;
  allowInsecure: boolean;
}

const live = (organizationId: string) => and(eq(logStreams.organizationId, organizationId), isNull(logStreams.deletedAt));

function view(row: LogStreamRow, highest: number): LogStream {
  return {
    id: row.id,
    name: row.name,
    type: row.type,
    format: row.format,
    filter: JSON.parse(row.filterJson) as WebhookFilter,
    active: row.active,
    settings: JSON.parse(row.settingsJson) as StreamSettings,
    hasSecret: row.secretCiphertext !== '',
    state: row.state,
    failingSince: row.failingSince === null ? null : new Date(row.failingSince).toISOString(),
    deliveredThroughSequence: row.deliveredThroughSequence,
    lagEvents: Math.max(0, highest - row.deliveredThroughSequence),
    createTime: new Date(row.createdAt).toISOString(),
    updateTime: new Date(row.updatedAt).toISOString(),
  };
}

export async function listStreams(control: Database, events: Database, organizationId: string): Promise<LogStream[]> {
  const rows = await control.select().from(logStreams).where(live(organizationId)).orderBy(asc(logStreams.createdAt), asc(logStreams.id));
  const highest = await lastStoredSequence(events, organizationId);
  return rows.map((row) => view(row, highest));
}

/** A live stream of this organization, or 404: another organization's stream id is unknown here. */
export async function streamRow(db: Database, organizationId: string, streamId: string): Promise<LogStreamRow> {
  const [row] = await db
    .select()
    .from(logStreams)
    .where(and(live(organizationId), eq(logStreams.id, streamId)))
    .limit(1);
  if (!row) throw notFound(`Log stream ${streamId} does not exist in organization ${organizationId}.`);
  return row;
}

export async function getStream(control: Database, events: Database, organizationId: string, streamId: string): Promise<LogStream> {
  return view(await streamRow(control, organizationId, streamId), await lastStoredSequence(events, organizationId));
}

const nameTaken = (name: string) => new ApiError('log-stream-exists', `A log stream named "${name}" already exists.`);

async function refuseNameClash(db: Database, organizationId: string, name: string, exceptId?: string): Promise<void> {
  const [clash] = await db
    .select({ id: logStreams.id })
    .from(logStreams)
    .where(and(live(organizationId), eq(logStreams.name, name)))
    .limit(1);
  if (clash && clash.id !== exceptId) throw nameTaken(name);
}

/** Two requests racing for one name: the partial unique index decides, and the loser gets the same 409. */
function rethrowNameRace(error: unknown, name: string): never {
  if (violatesUnique(error, 'log_streams.organization_id, log_streams.name')) throw nameTaken(name);
  throw error;
}

/**
 * Stream changes are control data, recorded as webhook config changes are: the row changes in the
 * main database and the change's event waits in its outbox in the same batch.
 */
export async function createStream(
  db: Database,
  events: Database,
  deps: StreamSettingsDeps,
  organizationId: string,
  body: CreateLogStreamBody,
  context: ChangeContext,
): Promise<LogStream> {
  const { settings, secret } = splitBody(body, deps.allowInsecure);
  if (secret === undefined) throw invalidField(SECRET_FIELD[body.type], 'is required');
  const [existing] = await db.select({ n: count() }).from(logStreams).where(live(organizationId));
  if ((existing?.n ?? 0) >= MAX_STREAMS_PER_ORGANIZATION) {
    throw new ApiError('log-stream-limit', `An organization has at most ${MAX_STREAMS_PER_ORGANIZATION} log streams.`);
  }
  await refuseNameClash(db, organizationId, body.name);
  const id = newId('lst');
  const destination = destinationOrigin(body.type, settings);
  const event = managementEvent(context, {
    action: 'create',
    objectType: 'audit_log_stream',
    objectName: body.name,
    message: `Created log stream ${body.name} (${body.type}) to ${destination}`,
    extra: { logStreamId: id, type: body.type, format: body.format, destination, active: body.active },
  });
  await db
    .batch([
      db.insert(logStreams).values({
        id,
        organizationId,
        name: body.name,
        type: body.type,
        format: body.format,
        filterJson: JSON.stringify(body.filter),
        active: body.active,
        settingsJson: JSON.stringify(settings),
        secretCiphertext: await encryptSecret(deps.secretKey, id, secret),
        // A new stream carries what happens from now on, as GitHub's and WorkOS's do; the history
        // before it is in exports and archives (docs/STREAMS.md, "Where a stream starts").
        deliveredThroughSequence: await lastStoredSequence(events, organizationId),
        state: body.active ? 'active' : 'inactive',
        createdAt: context.now,
        updatedAt: context.now,
      }),
      ...recordChangeStatements(db, organizationId, [event], context.now),
    ])
    .catch((error: unknown) => rethrowNameRace(error, body.name));
  return getStream(db, events, organizationId, id);
}

/** Which parts of a stream a PUT changes, for its audit event (never a secret's value). */
function changedParts(current: LogStreamRow, body: UpdateLogStreamBody, settingsJson: string, secretSent: boolean): string[] {
  const changed: string[] = [];
  if (body.name !== current.name) changed.push('name');
  if (body.type !== current.type) changed.push('type');
  if (body.format !== current.format) changed.push('format');
  if (JSON.stringify(body.filter) !== current.filterJson) changed.push('filter');
  if (body.active !== current.active) changed.push('active');
  if (settingsJson !== current.settingsJson) changed.push('settings');
  if (secretSent) changed.push(SECRET_FIELD[body.type]);
  return changed;
}

/** Replaces a stream; its secret stays unless sent (a new type needs its own secret). */
export async function updateStream(
  db: Database,
  events: Database,
  deps: StreamSettingsDeps,
  organizationId: string,
  streamId: string,
  body: UpdateLogStreamBody,
  context: ChangeContext,
): Promise<LogStream> {
  const current = await streamRow(db, organizationId, streamId);
  const { settings, secret } = splitBody(body, deps.allowInsecure);
  if (secret === undefined && body.type !== current.type) {
    throw invalidField(SECRET_FIELD[body.type], `is required when the type changes from ${current.type}`);
  }
  if (body.name !== current.name) await refuseNameClash(db, organizationId, body.name, streamId);
  const settingsJson = JSON.stringify(settings);
  const changed = changedParts(current, body, settingsJson, secret !== undefined);
  if (changed.length === 0) return getStream(db, events, organizationId, streamId);
  const destination = destinationOrigin(body.type, settings);
  const event = managementEvent(context, {
    action: 'update',
    objectType: 'audit_log_stream',
    objectName: body.name,
    message: `Updated log stream ${body.name} (${changed.join(', ')})`,
    extra: { logStreamId: streamId, changed, type: body.type, destination, active: body.active },
  });
  await db
    .batch([
      db
        .update(logStreams)
        .set({
          name: body.name,
          type: body.type,
          format: body.format,
          filterJson: JSON.stringify(body.filter),
          active: body.active,
          settingsJson,
          ...(secret === undefined ? {} : { secretCiphertext: await encryptSecret(deps.secretKey, streamId, secret) }),
          // A changed config is tried again: `invalid` waits for exactly this (docs/STREAMS.md).
          state: body.active ? 'active' : 'inactive',
          failingSince: null,
          updatedAt: context.now,
        })
        .where(and(live(organizationId), eq(logStreams.id, streamId))),
      ...recordChangeStatements(db, organizationId, [event], context.now, { onlyIfPreviousChanged: true }),
    ])
    .catch((error: unknown) => rethrowNameRace(error, body.name));
  return getStream(db, events, organizationId, streamId);
}

/** Soft delete: the delivery engine finds the stream gone and stops; the name is free again. */
export async function deleteStream(db: Database, organizationId: string, streamId: string, context: ChangeContext): Promise<void> {
  const current = await streamRow(db, organizationId, streamId);
  const event = managementEvent(context, {
    action: 'delete',
    objectType: 'audit_log_stream',
    objectName: current.name,
    message: `Deleted log stream ${current.name} (${current.type})`,
    extra: { logStreamId: streamId, type: current.type },
  });
  await db.batch([
    db
      .update(logStreams)
      .set({ deletedAt: context.now, active: false, state: 'inactive', updatedAt: context.now })
      .where(and(live(organizationId), eq(logStreams.id, streamId))),
    ...recordChangeStatements(db, organizationId, [event], context.now, { onlyIfPreviousChanged: true }),
  ]);
}
