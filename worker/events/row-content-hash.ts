import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import canonicalize from 'canonicalize';
import { LONE_SURROGATE } from '../contract/strict-json.ts';
import { type EventColumns, toEvent } from './event-shape.ts';

/**
 * An event's contentHash (events/content-hash.ts, docs/INTEGRITY.md) written straight from its row,
 * for the lines of exports and archive days (events/event-line.ts) and CSV rows: the RFC 8785 text
 * is put together in its sorted key order from the columns, with no event object and no generic
 * walk (only extra details are parsed and canonicalized). Building the event and canonicalizing it
 * cost about as much as the SHA-256 itself. test/event-line.test.ts proves the result equal to
 * toEvent's contentHash for any row.
 */

const encoder = new TextEncoder();

// biome-ignore lint/suspicious/noControlCharactersInRegex: JSON escapes control characters, so this must find them.
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** RFC 8785 has no form for a lone surrogate: such a row (never one read from D1) takes toEvent's path. */
const LONE = new Error('lone surrogate');

/** A JSON string as RFC 8785 writes it (JSON.stringify's escapes). */
function quote(text: string): string {
  if (!NEEDS_ESCAPE.test(text)) return `"${text}"`;
  if (LONE_SURROGATE.test(text)) throw LONE;
  return JSON.stringify(text);
}
const quoteOrEmpty = (text: string | null): string => (text === null ? '""' : quote(text));
const quoteOrNull = (text: string | null): string => (text === null ? 'null' : quote(text));

/** `details` as toEventContent shapes it (message, patch, actionType, then the extras), canonical. */
function details(row: EventColumns): string {
  const extra = row.detailsJson !== null && row.detailsJson.length > 2 ? row.detailsJson : null;
  if (extra === null) {
    return `{"actionType":${quoteOrEmpty(row.detailsActionType)},"message":${quoteOrEmpty(row.detailsMessage)},"patch":${quoteOrEmpty(row.detailsPatch)}}`;
  }
  const shaped = {
    message: row.detailsMessage ?? '',
    patch: row.detailsPatch ?? '',
    actionType: row.detailsActionType ?? '',
    ...(JSON.parse(extra) as Record<string, unknown>),
  };
  return canonicalize(shaped) as string;
}

/** canonicalEventJson(toEvent(organizationId, row)), keys in UTF-16 order at every level. */
function canonicalText(organizationId: string, row: EventColumns): string {
  const time = new Date(row.timestamp).toISOString();
  const credential =
    row.credentialType === null || row.credentialId === null
      ? 'null'
      : `{"id":${quote(row.credentialId)},"type":${quote(row.credentialType)}}`;
  const namespace = row.objectNamespace ? `,"namespace":${quote(row.objectNamespace)}` : '';
  const kargoProject = row.parentKargoProjectName ? `"kargoProjectName":${quote(row.parentKargoProjectName)},` : '';
  return (
    `{"action":${quote(row.action)},"actor":{"id":${quote(row.actorId)},"ip":${quoteOrEmpty(row.actorIp)},"type":${quote(row.actorType)}},` +
    `"count":1,"credential":${credential},"details":${details(row)},"id":${quote(row.id)},"instanceId":${quoteOrNull(row.instanceId)},` +
    `"lastOccurredTimestamp":"${time}",` +
    `"object":{"id":{"group":${quoteOrEmpty(row.objectGroup)},"kind":${quoteOrEmpty(row.objectKind)},"name":${quote(row.objectName)}${namespace}},` +
    `"parentId":{"applicationName":${quoteOrEmpty(row.parentApplicationName)},${kargoProject}"name":${quoteOrEmpty(row.parentName)},"parentName":${quoteOrEmpty(row.parentParentName)}},` +
    `"type":${quote(row.objectType)}},"organizationId":${quote(organizationId)},"sequence":${row.sequence},"source":${quote(row.source)},` +
    `"sourceKeyId":${quoteOrNull(row.sourceKeyId)},"timestamp":"${time}"}`
  );
}

/** toEvent(organizationId, row).contentHash, without building the event. */
export function rowContentHash(organizationId: string, row: EventColumns): string {
  let text: string;
  try {
    text = canonicalText(organizationId, row);
  } catch {
    // A lone surrogate (in memory only: D1 stores UTF-8) is hashed as toEvent hashes it.
    return toEvent(organizationId, row).contentHash;
  }
  return bytesToHex(sha256(encoder.encode(text)));
}
