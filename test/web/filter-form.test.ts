/**
 * The filter bar's form reader (web/src/lib/audit/filter-form.ts), under Node directly: what the
 * fields hold becomes the filters the view navigates to.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseFilters } from '../../web/src/lib/audit/audit-filters.ts';
import { readFilterForm } from '../../web/src/lib/audit/filter-form.ts';

const period = { start: new Date('2026-11-19T12:00:00Z'), end: new Date('2026-11-26T12:00:00Z'), openEnded: true };

function form(fields: Record<string, string>): FormData {
  const data = new FormData();
  for (const [name, value] of Object.entries(fields)) data.set(name, value);
  return data;
}

describe('filter form', () => {
  it('reads comma-separated lists, trimmed, and the search text', () => {
    const shown = parseFilters(new URLSearchParams('utc=1'));
    const read = readFilterForm(
      form({ range: '24h', actor: ' alice@example.com, ,bob ', action: 'sync', objectType: '', q: '  guestbook ' }),
      shown,
      period,
      false,
    );
    assert.deepEqual(read.actors, ['alice@example.com', 'bob']);
    assert.deepEqual(read.actions, ['sync']);
    assert.deepEqual(read.objectTypes, []);
    assert.equal(read.q, 'guestbook');
    assert.equal(read.range, '24h');
    assert.equal(read.utc, true, 'view settings are kept');
  });

  it('starts a custom range from the window shown, then reads its fields in the zone shown', () => {
    const preset = parseFilters(new URLSearchParams('utc=1'));
    const switched = readFilterForm(form({ range: 'custom' }), preset, period, false);
    assert.equal(switched.from, '2026-11-19T12:00:00.000Z');
    assert.equal(switched.to, '2026-11-26T12:00:00.000Z');
    const edited = readFilterForm(form({ range: 'custom', from: '2026-11-20T08:30', to: '2026-11-21T00:00' }), switched, period, false);
    assert.equal(edited.from, '2026-11-20T08:30:00.000Z');
    assert.equal(edited.to, '2026-11-21T00:00:00.000Z');
  });

  it('takes the instance from the form only where it has the field, and the URL objects while the object fields are closed', () => {
    const shown = parseFilters(new URLSearchParams('instance=inst_1&app=guestbook'));
    const withoutField = readFilterForm(form({ range: '7d', instance: '' }), shown, period, false);
    assert.equal(withoutField.instanceId, 'inst_1');
    assert.deepEqual(withoutField.objects.app, ['guestbook']);
    assert.equal(readFilterForm(form({ range: '7d', instance: '' }), shown, period, true).instanceId, null);
    const opened = readFilterForm(form({ range: '7d', 'object-app': 'payments-api', 'object-children': 'on' }), shown, period, false);
    assert.deepEqual(opened.objects.app, ['payments-api']);
    assert.equal(opened.objects.children, true);
  });
});
