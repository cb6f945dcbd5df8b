// Timestamps in the Audit Logs view: the browser's zone by default, UTC when the user asks for it
// (the `utc=1` setting), and always the other one on hover, so nobody has to convert in their head.
// Formatters are built once: Intl.DateTimeFormat construction is slow enough to matter in a table.

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(key: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  let cached = formatters.get(key);
  if (!cached) {
    cached = new Intl.DateTimeFormat(undefined, options);
    formatters.set(key, cached);
  }
  return cached;
}

const zone = (utc: boolean): Intl.DateTimeFormatOptions => (utc ? { timeZone: 'UTC' } : {});

function parse(iso: string): Date | null {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** Compact table form, e.g. "Nov 24, 10:15:30"; the year is shown only when it isn't this year's. */
export function formatTimestamp(iso: string, utc: boolean): string {
  const date = parse(iso);
  if (!date) return iso;
  const sameYear = date.getFullYear() === new Date().getFullYear();
  const key = `row:${utc}:${sameYear}`;
  return formatter(key, {
    ...zone(utc),
    month: 'short',
    day: 'numeric',
    ...(sameYear ? {} : { year: 'numeric' }),
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).format(date);
}

/** Full form with the zone named, e.g. "Nov 24, 2026, 10:15:30.123 UTC". */
export function formatTimestampLong(iso: string, utc: boolean): string {
  const date = parse(iso);
  if (!date) return iso;
  return formatter(`long:${utc}`, {
    ...zone(utc),
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    fractionalSecondDigits: 3,
    hourCycle: 'h23',
    timeZoneName: 'short',
  }).format(date);
}

/** The hover text of a timestamp: the other zone than the one shown. */
export function formatTimestampTitle(iso: string, utc: boolean): string {
  return formatTimestampLong(iso, !utc);
}

/** A day label for chart axes, e.g. "Nov 24". */
export function formatDay(date: Date, utc: boolean): string {
  return formatter(`day:${utc}`, { ...zone(utc), month: 'short', day: 'numeric' }).format(date);
}

/** An hour label for chart axes, e.g. "14:00". */
export function formatHour(date: Date, utc: boolean): string {
  return formatter(`hour:${utc}`, {
    ...zone(utc),
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(date);
}

/** Date and minute, e.g. "Nov 24, 2026, 14:05" (range summaries). */
export function formatDateTime(date: Date, utc: boolean): string {
  return formatter(`datetime:${utc}`, {
    ...zone(utc),
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(date);
}

/** A long calendar date, e.g. "Monday, December 1, 2026" (archive schedule copy). */
export function formatLongDate(date: Date, utc: boolean): string {
  return formatter(`longdate:${utc}`, { ...zone(utc), dateStyle: 'full' }).format(date);
}

/** The name of the browser's zone, e.g. "Europe/Berlin", for the UTC toggle's label. */
export function localZoneName(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

const pad = (value: number): string => String(value).padStart(2, '0');

/**
 * The value of an `<input type="datetime-local">` for an instant, in UTC or the local zone.
 * The input has no zone of its own, so the view's zone setting decides how it is read.
 */
export function toDateTimeInput(iso: string | null, utc: boolean): string {
  const date = iso ? parse(iso) : null;
  if (!date) return '';
  return utc
    ? `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}T${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}`
    : `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** The instant an `<input type="datetime-local">` value names, or null if it is empty or invalid. */
export function fromDateTimeInput(value: string, utc: boolean): string | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(value);
  if (!match) return null;
  const [year, month, day, hour, minute, second] = match.slice(1).map((part) => (part === undefined ? 0 : Number(part))) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const time = utc ? Date.UTC(year, month - 1, day, hour, minute, second) : new Date(year, month - 1, day, hour, minute, second).getTime();
  return Number.isNaN(time) ? null : new Date(time).toISOString();
}

/** The zone times are shown in, by name: "UTC", or the browser's zone such as "America/New_York". */
export function zoneName(utc: boolean): string {
  return utc ? 'UTC' : localZoneName();
}
