/** The shape of one archived event, as docs/verifying-archives.md describes it. */

import { contentHashOf } from '../../events/content-hash.ts';
import { parseTimestamp } from './dates.ts';
import type { LimitedList } from './report.ts';
import { describeValue, errorMessage, isObject, type JsonObject } from './values.ts';

const EVENT_KEYS = [
  'id',
  'organizationId',
  'instanceId',
  'timestamp',
  'action',
  'actor',
  'object',
  'details',
  'count',
  'lastOccurredTimestamp',
  // Added later; archives built before that have none of them.
  'source',
  'sourceKeyId',
  'credential',
  'sequence',
  // Added with the hash chain (docs/INTEGRITY.md); archives built before it have none.
  'contentHash',
];
const SOURCES = ['platform', 'ingest'];
const CREDENTIAL_TYPES = ['api_key', 'session', 'sso', 'passkey', 'access', 'admin_token'];

/** A sequence number: per organization, 1, 2, 3, … in commit order. */
export const isSequence = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value >= 1;

function checkString(problems: LimitedList, where: string, field: string, value: unknown, nonEmpty = false): void {
  if (typeof value !== 'string') problems.add(`${where}: ${field} must be a string, found ${describeValue(value)}`);
  else if (nonEmpty && value.length === 0) problems.add(`${where}: ${field} must not be empty`);
}

function checkStringFields(
  problems: LimitedList,
  where: string,
  path: string,
  value: unknown,
  keys: readonly string[],
  exact: boolean,
  optionalKeys: readonly string[] = [],
): void {
  if (!isObject(value)) {
    problems.add(`${where}: ${path} must be an object, found ${describeValue(value)}`);
    return;
  }
  for (const key of keys) checkString(problems, where, `${path}.${key}`, value[key]);
  for (const key of optionalKeys) if (key in value) checkString(problems, where, `${path}.${key}`, value[key]);
  if (exact) {
    for (const key of Object.keys(value))
      if (!keys.includes(key) && !optionalKeys.includes(key)) problems.add(`${where}: unexpected field ${path}.${key}`);
  }
}

/** Where an event came from and its place in the organization's sequence; each field is optional (older archives lack them). */
function checkProvenance(problems: LimitedList, where: string, event: JsonObject): void {
  if ('source' in event && (typeof event.source !== 'string' || !SOURCES.includes(event.source)))
    problems.add(`${where}: source must be "platform" or "ingest", found ${describeValue(event.source)}`);
  if ('sourceKeyId' in event && event.sourceKeyId !== null && typeof event.sourceKeyId !== 'string')
    problems.add(`${where}: sourceKeyId must be a string or null, found ${describeValue(event.sourceKeyId)}`);
  if ('credential' in event && event.credential !== null) checkCredential(problems, where, event.credential);
  if ('sequence' in event && !isSequence(event.sequence))
    problems.add(`${where}: sequence must be a positive integer, found ${describeValue(event.sequence)}`);
}

/** How the actor authenticated: `{ "type", "id" }` or null (archives built before it have none). */
function checkCredential(problems: LimitedList, where: string, credential: unknown): void {
  checkStringFields(problems, where, 'credential', credential, ['type', 'id'], true);
  if (isObject(credential) && typeof credential.type === 'string' && !CREDENTIAL_TYPES.includes(credential.type))
    problems.add(`${where}: credential.type must be one of ${CREDENTIAL_TYPES.join(', ')}, found ${describeValue(credential.type)}`);
}

/**
 * The event's contentHash, when it carries one, recomputed from the event (RFC 8785 canonical JSON
 * of every other field, docs/INTEGRITY.md): a changed field or a moved event no longer matches.
 * Returns whether the event carries one.
 */
export function checkContentHash(problems: LimitedList, where: string, event: JsonObject): boolean {
  if (!('contentHash' in event)) return false;
  const claimed = event.contentHash;
  const sequence = isSequence(event.sequence) ? `sequence ${event.sequence}: ` : '';
  if (typeof claimed !== 'string' || !/^[0-9a-f]{64}$/.test(claimed)) {
    problems.add(`${where}: ${sequence}contentHash must be 64 lowercase hex digits, found ${describeValue(claimed)}`);
    return true;
  }
  let recomputed: string;
  try {
    recomputed = contentHashOf(event);
  } catch (error) {
    problems.add(`${where}: ${sequence}contentHash cannot be recomputed (${errorMessage(error)})`);
    return true;
  }
  if (recomputed !== claimed) {
    problems.add(`${where}: ${sequence}contentHash ${claimed} does not match the event's content (recomputed: ${recomputed})`);
  }
  return true;
}

/** Checks the shape of one event; returns its timestamp in ms when valid. */
export function checkEventShape(problems: LimitedList, where: string, event: JsonObject): number | null {
  for (const key of Object.keys(event)) if (!EVENT_KEYS.includes(key)) problems.add(`${where}: unexpected field ${key}`);
  checkString(problems, where, 'id', event.id, true);
  checkString(problems, where, 'organizationId', event.organizationId, true);
  if (event.instanceId !== null) checkString(problems, where, 'instanceId', event.instanceId);
  checkString(problems, where, 'action', event.action, true);
  checkStringFields(problems, where, 'actor', event.actor, ['type', 'id', 'ip'], true);
  if (!isObject(event.object)) problems.add(`${where}: object must be an object, found ${describeValue(event.object)}`);
  else {
    for (const key of Object.keys(event.object))
      if (!['type', 'id', 'parentId'].includes(key)) problems.add(`${where}: unexpected field object.${key}`);
    checkString(problems, where, 'object.type', event.object.type);
    checkStringFields(problems, where, 'object.id', event.object.id, ['name', 'kind', 'group'], true, ['namespace']);
    checkStringFields(problems, where, 'object.parentId', event.object.parentId, ['name', 'parentName', 'applicationName'], true, [
      'kargoProjectName',
    ]);
  }
  checkStringFields(problems, where, 'details', event.details, ['message', 'patch', 'actionType'], false);
  if (typeof event.count !== 'number' || !Number.isInteger(event.count) || event.count < 1) {
    problems.add(`${where}: count must be a positive integer, found ${describeValue(event.count)}`);
  }
  if (parseTimestamp(event.lastOccurredTimestamp) === null) {
    problems.add(`${where}: lastOccurredTimestamp must be an RFC 3339 timestamp, found ${describeValue(event.lastOccurredTimestamp)}`);
  }
  checkProvenance(problems, where, event);
  const timestamp = parseTimestamp(event.timestamp);
  if (timestamp === null) problems.add(`${where}: timestamp must be an RFC 3339 timestamp, found ${describeValue(event.timestamp)}`);
  return timestamp;
}
