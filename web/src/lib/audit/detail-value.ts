// A value of an event's "More details" as the details drawer shows it. The export event records
// the filters as the API read them (`details.filters`, e.g. `{"filters.startTime": 1764547200000}`):
// the time bounds are epoch milliseconds there, which is what the record keeps (an API reader
// gets the same shape for every export event, old and new; docs/API.md). The drawer shows them as
// dates and times in the view's zone; the Raw JSON section still shows the record as stored.
import { formatTimestampLong } from '../shell/format-time.ts';

/** The filter parameters that hold a time, recorded as epoch milliseconds. */
const TIME_FILTERS = new Set(['filters.startTime', 'filters.endTime']);

function filterValue(name: string, value: unknown, utc: boolean): string {
  if (TIME_FILTERS.has(name) && typeof value === 'number' && Number.isFinite(value)) {
    const time = new Date(value);
    if (!Number.isNaN(time.getTime())) return formatTimestampLong(time.toISOString(), utc);
  }
  if (Array.isArray(value)) return value.map((item) => (typeof item === 'string' ? item : JSON.stringify(item))).join(', ');
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** One detail's text: a string as it is, the export event's filters one per line, anything else as JSON. */
export function detailText(key: string, value: unknown, utc: boolean): string {
  if (typeof value === 'string') return value;
  if (key === 'filters' && value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0) return 'none';
    return entries.map(([name, item]) => `${name.replace(/^filters\./, '')}: ${filterValue(name, item, utc)}`).join('\n');
  }
  return JSON.stringify(value);
}
