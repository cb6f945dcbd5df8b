/**
 * The search box and the Actor, Action and Object type fields as views of one URL
 * (web/src/lib/audit/search-fields.ts, filter-form.ts), and the link parameters the view cannot
 * read (url-problems.ts), under Node directly. The browser side: test/e2e/dashboard-url.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { filtersToSearch, parseFilters } from '../../web/src/lib/audit/audit-filters.ts';
import { readFilterForm } from '../../web/src/lib/audit/filter-form.ts';
import { composeSearch, liftFieldQualifiers } from '../../web/src/lib/audit/search-fields.ts';
import { urlProblems, withoutProblems } from '../../web/src/lib/audit/url-problems.ts';

const period = { start: new Date('2026-11-19T12:00:00Z'), end: new Date('2026-11-26T12:00:00Z'), openEnded: true };

function form(fields: Record<string, string>): FormData {
  const data = new FormData();
  for (const [name, value] of Object.entries(fields)) data.set(name, value);
  return data;
}

describe('search box and fields', () => {
  it('lifts positive actor:, action: and type: out of the text, keeping the rest as typed', () => {
    assert.deepEqual(liftFieldQualifiers('type:kargo_promotion -action:delete actor:"Jane Doe",bob payments TYPE:x'), {
      actors: ['Jane Doe', 'bob'],
      actions: [],
      objectTypes: ['kargo_promotion'],
      rest: '-action:delete payments TYPE:x',
    });
    // Repeats (any case) count once; an empty value and an unclosed quote are left for the Worker's 400.
    assert.deepEqual(liftFieldQualifiers('type:a type:A action:')?.objectTypes, ['a']);
    assert.equal(liftFieldQualifiers('type:a action:')?.rest, 'action:');
    assert.equal(liftFieldQualifiers('type:a "unclosed'), null);
  });

  it('composes the box from the lists, quoting what needs it, and reads back the same', () => {
    const lists = { actors: ['Jane Doe'], actions: ['sync', 'update'], objectTypes: ['kargo_promotion'] };
    const text = composeSearch(lists, '-action:delete guestbook');
    assert.equal(text, 'actor:"Jane Doe" action:sync,update type:kargo_promotion -action:delete guestbook');
    assert.deepEqual(liftFieldQualifiers(text), { ...lists, rest: '-action:delete guestbook' });
  });

  it('reads q qualifiers of a link into the fields; both must hold where both name values', () => {
    const old = parseFilters(new URLSearchParams({ q: 'type:kargo_promotion payments' }));
    assert.deepEqual([old.objectTypes, old.q], [['kargo_promotion'], 'payments']);
    assert.equal(filtersToSearch(old), '?objectType=kargo_promotion&q=payments');
    const both = parseFilters(new URLSearchParams({ objectType: 'Kargo_Promotion', q: 'type:kargo_promotion,member' }));
    assert.deepEqual([both.objectTypes, both.q], [['Kargo_Promotion'], '']);
    // Nothing in common: the link stays as it is (the Worker answers it: nothing).
    const none = parseFilters(new URLSearchParams({ objectType: 'member', q: 'type:api_key' }));
    assert.deepEqual([none.objectTypes, none.q], [['member'], 'type:api_key']);
  });

  it('lets an edited field win over the box, and the box speak for a field left alone', () => {
    const shown = parseFilters(new URLSearchParams('objectType=member&q=guestbook'));
    const box = composeSearch(shown, shown.q);
    assert.equal(box, 'type:member guestbook');
    // The field edited (the box still shows the old qualifier): the field's value.
    const field = readFilterForm(form({ range: '7d', objectType: 'api_key', q: box }), shown, period, false);
    assert.deepEqual([field.objectTypes, field.q], [['api_key'], 'guestbook']);
    // The box edited: its qualifiers; removing one (a chip) clears the field.
    const typed = readFilterForm(form({ range: '7d', objectType: 'member', q: 'type:kargo_promotion guestbook' }), shown, period, false);
    assert.deepEqual(typed.objectTypes, ['kargo_promotion']);
    const removed = readFilterForm(form({ range: '7d', objectType: 'member', q: 'guestbook' }), shown, period, false);
    assert.deepEqual([removed.objectTypes, removed.q], [[], 'guestbook']);
  });
});

describe('link parameters the view cannot read', () => {
  it('names unknown keys and malformed values, and only those', () => {
    const params = new URLSearchParams('colour=red&after=2026-01-01&range=bogus&from=notadate&utc=yes&actor=bob&q=x&event=e&at=1');
    assert.deepEqual(
      urlProblems(params).map(({ key, value }) => `${key}=${value}`),
      ['colour=red', 'after=2026-01-01', 'range=bogus', 'from=notadate', 'utc=yes'],
    );
    assert.deepEqual(urlProblems(new URLSearchParams('range=custom&from=2026-11-20T00:00:00Z&app=guestbook&children=1')), []);
    assert.match(urlProblems(new URLSearchParams('from=2026-11-20'))[0]?.message ?? '', /only applies with range=custom/);
    assert.match(urlProblems(new URLSearchParams('filters.actorId=bob'))[0]?.message ?? '', /API parameter/);
  });

  it('removes one problem or all of them, keeping the rest of the link', () => {
    const url = { pathname: '/orgs/o/audit-logs', search: '?colour=red&actor=bob&colour=blue' };
    const [red, blue] = urlProblems(new URLSearchParams(url.search));
    assert.ok(red && blue);
    assert.equal(withoutProblems(url, [red]), '/orgs/o/audit-logs?actor=bob&colour=blue');
    assert.equal(withoutProblems(url, [red, blue]), '/orgs/o/audit-logs?actor=bob');
  });
});
