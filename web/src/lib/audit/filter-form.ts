/**
 * Reads the Audit Logs filter form (audit-filter-bar.svelte) into filters: every field at once,
 * so Enter (which fires both a field's change and the form's submit) applies one consistent set.
 */
import { fromDateTimeInput } from '../shell/format-time.ts';
import type { AuditFilters, RangeKey, TimeWindow } from './audit-filters.ts';
import { OBJECT_FIELDS, type ObjectFilters } from './object-filters.ts';

/** A comma-separated list field: its values, trimmed, empty ones dropped. */
function splitList(value: FormDataEntryValue | null): string[] {
  return typeof value === 'string'
    ? value
        .split(',')
        .map((part) => part.trim())
        .filter((part) => part !== '')
    : [];
}

const text = (value: FormDataEntryValue | null): string => (typeof value === 'string' ? value.trim() : '');

/** The object fields as the form holds them (the URL's values while the fieldset is closed). */
function formObjects(data: FormData, filters: AuditFilters): ObjectFilters {
  if (!data.has('object-app')) return filters.objects;
  const objects: ObjectFilters = { ...filters.objects, children: data.get('object-children') === 'on' };
  for (const { key } of OBJECT_FIELDS) objects[key] = splitList(data.get(`object-${key}`));
  return objects;
}

/**
 * The filters the form asks for. `filters` are those shown (the URL's), `period` the window shown;
 * the instance comes from the form only where the form has the instance field.
 */
export function readFilterForm(data: FormData, filters: AuditFilters, period: TimeWindow, hasInstanceField: boolean): AuditFilters {
  const range = (text(data.get('range')) || filters.range) as RangeKey;
  let from: string | null = null;
  let to: string | null = null;
  if (range === 'custom') {
    // Switching to "custom" starts from the window being shown, so the dates are pre-filled.
    const switching = filters.range !== 'custom';
    from = switching ? period.start.toISOString() : fromDateTimeInput(text(data.get('from')), filters.utc);
    to = switching ? period.end.toISOString() : fromDateTimeInput(text(data.get('to')), filters.utc);
  }
  return {
    ...filters,
    range,
    from,
    to,
    actors: splitList(data.get('actor')),
    actions: splitList(data.get('action')),
    objectTypes: splitList(data.get('objectType')),
    instanceId: hasInstanceField ? text(data.get('instance')) || null : filters.instanceId,
    objects: formObjects(data, filters),
    q: text(data.get('q')),
  };
}
