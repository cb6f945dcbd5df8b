/**
 * Reads the Audit Logs filter form (audit-filter-bar.svelte) into filters: every field at once,
 * so Enter (which fires both a field's change and the form's submit) applies one consistent set.
 */
import { fromDateTimeInput } from '../shell/format-time.ts';
import type { AuditFilters, RangeKey, TimeWindow } from './audit-filters.ts';
import { OBJECT_FIELDS, type ObjectFilters } from './object-filters.ts';
import { FIELD_QUALIFIERS, type FieldListKey, type FieldLists, liftFieldQualifiers } from './search-fields.ts';

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
    ...formLists(data, filters),
    instanceId: hasInstanceField ? text(data.get('instance')) || null : filters.instanceId,
    objects: formObjects(data, filters),
  };
}

/**
 * Actor, action, object type and the search text. The search box shows the field lists as
 * qualifiers (search-fields.ts), so each list is in the form twice: a field whose text is no
 * longer what the URL gave it was edited and says the list; otherwise the box does (its
 * qualifiers, typed, changed or removed with a chip). The box's other text is the search.
 */
function formLists(data: FormData, filters: AuditFilters): FieldLists & { q: string } {
  const box = text(data.get('q'));
  const lifted = liftFieldQualifiers(box);
  const lists: FieldLists = { actors: [], actions: [], objectTypes: [] };
  for (const { key } of FIELD_QUALIFIERS) {
    const field = text(data.get(FIELD_NAMES[key]));
    const edited = field !== filters[key].join(', ');
    // An unreadable box (an unclosed quote) keeps the fields; the Worker names the mistake.
    lists[key] = edited ? splitList(field) : lifted ? lifted[key] : filters[key];
  }
  return { ...lists, q: lifted ? lifted.rest : box };
}

/** The form field of each list (list-filter-fields.svelte). */
const FIELD_NAMES: Record<FieldListKey, string> = { actors: 'actor', actions: 'action', objectTypes: 'objectType' };
