/**
 * Where a stream writes in its bucket (docs/STREAMS.md):
 *   batches  `<prefix>/<orgId>/<YYYY>/<MM>/<DD>/<HH>/<firstSequence>-<lastSequence>.ndjson.gz`
 *   archives `<prefix>/<orgId>/archives/<startDate>/<file>`
 * The hour is the UTC hour of the batch's FIRST event, not of the delivery: a retried batch then
 * overwrites its own object instead of writing a second copy under the hour of the retry, and the
 * folders hold events by when they happened (what a SIEM's S3 input and Athena partitions expect).
 */

/** S3's "safe characters" (its object key naming guide) and `/`; everything else is refused. */
const PREFIX_CHARACTERS = /^[0-9A-Za-z!_.*'()/-]*$/;
const MAX_PREFIX = 512;

export type PrefixVerdict = { ok: true; prefix: string } | { ok: false; reason: string };

/** The stored form of a prefix: no leading or trailing `/`; no empty, `.` or `..` segments. */
export function checkS3Prefix(raw: string): PrefixVerdict {
  const prefix = raw.replace(/^\/+|\/+$/g, '');
  if (prefix.length > MAX_PREFIX) return { ok: false, reason: `at most ${MAX_PREFIX} characters` };
  if (!PREFIX_CHARACTERS.test(prefix)) return { ok: false, reason: "only letters, digits, / and !_.*'()- are allowed" };
  if (prefix !== '' && prefix.split('/').some((segment) => segment === '' || segment === '.' || segment === '..')) {
    return { ok: false, reason: 'no empty, "." or ".." segments' };
  }
  return { ok: true, prefix };
}

const two = (value: number) => String(value).padStart(2, '0');

function join(prefix: string, segments: string[]): string {
  const checked = checkS3Prefix(prefix);
  if (!checked.ok) throw new Error(`S3 prefix: ${checked.reason}`);
  return [checked.prefix, ...segments].filter((segment) => segment !== '').join('/');
}

export function batchObjectKey(
  prefix: string,
  organizationId: string,
  firstTimestamp: string,
  firstSequence: number,
  lastSequence: number,
): string {
  const at = new Date(firstTimestamp);
  if (Number.isNaN(at.getTime())) throw new Error(`not a timestamp: ${firstTimestamp.slice(0, 40)}`);
  const hourPath = [String(at.getUTCFullYear()), two(at.getUTCMonth() + 1), two(at.getUTCDate()), two(at.getUTCHours())];
  return join(prefix, [organizationId, ...hourPath, `${firstSequence}-${lastSequence}.ndjson.gz`]);
}

/** `startDate` is the archive week's first day (YYYY-MM-DD); `file` the archive's own file name. */
export function archiveObjectKey(prefix: string, organizationId: string, startDate: string, file: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(startDate)) throw new Error(`not a date: ${startDate.slice(0, 40)}`);
  if (file === '' || file.includes('/') || file === '.' || file === '..') throw new Error('an archive file name is one path segment');
  return join(prefix, [organizationId, 'archives', startDate, file]);
}

/**
 * The key as a URL path: each segment percent-encoded on its own (aws4fetch decodes the path before
 * signing, and would otherwise read a literal `+` as a space), `/` kept as the separator.
 */
export const encodeKey = (key: string): string => key.split('/').map(encodeURIComponent).join('/');
