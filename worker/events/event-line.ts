import { type EventColumns, toEvent } from './event-shape.ts';
import { rowContentHash } from './row-content-hash.ts';

/** What JSON.stringify would escape in a string: `"`, `\`, control characters and surrogates. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: JSON escapes control characters, so this must find them.
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;
// Most fields need no escaping; testing for that is cheaper than JSON.stringify's call (measured ~30 %).
const quote = (text: string): string => (NEEDS_ESCAPE.test(text) ? JSON.stringify(text) : `"${text}"`);
const quoteOrEmpty = (text: string | null): string => (text === null ? '""' : quote(text));

const credential = (row: EventColumns): string =>
  row.credentialType === null || row.credentialId === null
    ? 'null'
    : `{"type":${quote(row.credentialType)},"id":${quote(row.credentialId)}}`;

/**
 * Extra details whose first key starts with a digit: JavaScript puts integer-like keys first in an
 * object, ahead of message/patch/actionType, which splicing the stored text cannot know.
 */
const LEADING_DIGIT_KEY = /^\{"\d/;

/**
 * `JSON.stringify(toEvent(organizationId, row))` written as text straight from the row: no event
 * object, no generic walk, and the stored extra details (JSON.stringify's text of the sorted
 * object, events/event-shape.ts `toColumns`) spliced in without parsing. For the million lines of
 * an archive week or an export (profiled: building and stringifying the objects took ~10 % of an
 * archive build). test/event-line.test.ts proves the two equal on random rows.
 */
export function eventLineWriter(organizationId: string): (row: EventColumns) => string {
  const organization = quote(organizationId);
  return (row) => {
    // The stored extra details when they have any member ("{}" has none, as in toEventContent).
    const extra = row.detailsJson !== null && row.detailsJson.length > 2 ? row.detailsJson : null;
    if (extra !== null && LEADING_DIGIT_KEY.test(extra)) {
      return JSON.stringify(toEvent(organizationId, row));
    }
    const time = new Date(row.timestamp).toISOString();
    const namespace = row.objectNamespace ? `,"namespace":${quote(row.objectNamespace)}` : '';
    const kargoProject = row.parentKargoProjectName ? `,"kargoProjectName":${quote(row.parentKargoProjectName)}` : '';
    const details = extra === null ? '}' : `,${extra.slice(1)}`;
    return (
      `{"id":${quote(row.id)},"organizationId":${organization},"instanceId":${row.instanceId === null ? 'null' : quote(row.instanceId)},` +
      `"timestamp":"${time}","action":${quote(row.action)},` +
      `"actor":{"type":${quote(row.actorType)},"id":${quote(row.actorId)},"ip":${quoteOrEmpty(row.actorIp)}},` +
      `"object":{"type":${quote(row.objectType)},"id":{"name":${quote(row.objectName)},"kind":${quoteOrEmpty(row.objectKind)},"group":${quoteOrEmpty(row.objectGroup)}${namespace}},` +
      `"parentId":{"name":${quoteOrEmpty(row.parentName)},"parentName":${quoteOrEmpty(row.parentParentName)},"applicationName":${quoteOrEmpty(row.parentApplicationName)}${kargoProject}}},` +
      `"details":{"message":${quoteOrEmpty(row.detailsMessage)},"patch":${quoteOrEmpty(row.detailsPatch)},"actionType":${quoteOrEmpty(row.detailsActionType)}${details},` +
      `"count":1,"lastOccurredTimestamp":"${time}","source":${quote(row.source)},` +
      `"sourceKeyId":${row.sourceKeyId === null ? 'null' : quote(row.sourceKeyId)},` +
      `"credential":${credential(row)},"sequence":${row.sequence},"contentHash":"${rowContentHash(organizationId, row)}"}`
    );
  };
}
