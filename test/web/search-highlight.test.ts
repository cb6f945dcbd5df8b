/**
 * What the dashboard marks as matched (search-highlight.ts) and which filter it names when a view
 * is empty (filter-relaxations.ts): pure helpers, tested under Node directly.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseFilters } from '../../web/src/lib/audit/audit-filters.ts';
import { explanation, MAX_RELAXATIONS, relaxations } from '../../web/src/lib/audit/filter-relaxations.ts';
import { fieldSegments, searchMarks, wordSegments } from '../../web/src/lib/audit/search-highlight.ts';

const marked = (segments: { text: string; mark: boolean }[]) => segments.filter((segment) => segment.mark).map((segment) => segment.text);
const filters = (search: string) => parseFilters(new URLSearchParams(search), false);

describe('search marks', () => {
  it('marks words that start with a searched word, and phrases as a whole, any case and accents, as the index tokenizes', () => {
    const marks = searchMarks(filters('?q=pay "synced to" CAFE v1.2'));
    assert.deepEqual(marks.terms, [
      { tokens: ['pay'], prefixLast: true },
      { tokens: ['synced', 'to'], prefixLast: false },
      { tokens: ['cafe'], prefixLast: true },
      { tokens: ['v1', '2'], prefixLast: true },
    ]);
    assert.deepEqual(marked(wordSegments('Payments-API Synced  to Café; repay, go to v1.25', marks.terms)), [
      'Payments',
      'Synced  to',
      'Café',
      'v1.25',
    ]);
    // Only the start of a word ("repay" does not start with "pay"); a phrase only in a row ("to" alone is not marked).
    assert.deepEqual(marked(wordSegments('repay to synced', marks.terms)), []);
    // A phrase matches whole words: "synced tomorrow" is not "synced to".
    assert.deepEqual(marked(wordSegments('synced tomorrow', marks.terms)), []);
    // Nothing is lost or reordered: the segments are the text.
    const text = '<b>payments</b> & pay';
    assert.equal(
      wordSegments(text, marks.terms)
        .map((segment) => segment.text)
        .join(''),
      text,
    );
  });

  it('marks a whole value a qualifier or filter field named (actor, action and object type in any case), and the address under ip:', () => {
    const marks = searchMarks(
      filters('?q=actor:Alice@Example.com%20action:sync%20object:guestbook%20-type:member&objectType=argocd_application'),
    );
    assert.deepEqual(marked(fieldSegments('alice@example.com', marks, 'actor')), ['alice@example.com']);
    assert.deepEqual(marked(fieldSegments('SYNC', marks, 'action')), ['SYNC']);
    assert.deepEqual(marked(fieldSegments('guestbook', marks, 'object')), ['guestbook']);
    assert.deepEqual(marked(fieldSegments('Guestbook', marks, 'object')), []);
    assert.deepEqual(marked(fieldSegments('argocd_application', marks, 'type')), ['argocd_application']);
    assert.deepEqual(marked(fieldSegments('ArgoCD_Application', marks, 'type')), ['ArgoCD_Application'], 'the type in any case too');
    // A negated qualifier marks nothing: no shown event has that value.
    assert.deepEqual(marked(fieldSegments('member', marks, 'type')), []);
    assert.equal(marks.ip, false);
    assert.deepEqual(marked(fieldSegments('198.51.100.77', marks, 'ip')), []);
    for (const q of ['ip:198.51.100.0/24', '198.51.100.77', '198.51.100.', '2001:db8::1']) {
      const withIp = searchMarks(filters(`?q=${encodeURIComponent(q)}`));
      assert.equal(withIp.ip, true, q);
      assert.deepEqual(withIp.terms, [], q);
      assert.deepEqual(marked(fieldSegments('198.51.100.77', withIp, 'ip')), ['198.51.100.77']);
    }
    // A quoted address is text again.
    assert.deepEqual(searchMarks(filters(`?q=${encodeURIComponent('"198.51.100.77"')}`)).terms, [
      { tokens: ['198', '51', '100', '77'], prefixLast: false },
    ]);
  });
});

describe('which filter removed everything', () => {
  const now = Date.parse('2026-12-01T00:00:00Z');

  it('leaves out each search token, each filter field and the time range, one at a time', () => {
    // (A positive `action:` would be the Action field's value, search-fields.ts: an exclusion stays a token.)
    const view = filters('?q=-action:delete%20payments&actor=alice@example.com&instance=inst_1&app=guestbook');
    const found = relaxations(view, { instanceFixed: false, now });
    assert.deepEqual(
      found.map((relaxation) => relaxation.label),
      ['-action:delete', 'payments', 'Actor: alice@example.com', 'the instance filter', 'the object filters', 'the time range'],
    );
    assert.equal(found[0]?.filters.q, 'payments');
    assert.deepEqual(found[2]?.filters.actors, []);
    assert.equal(found[5]?.filters.range, 'custom');
    // The instance page's own instance is not a filter to leave out.
    assert.ok(!relaxations(view, { instanceFixed: true, now }).some((relaxation) => relaxation.label === 'the instance filter'));
    const many = filters(`?q=${encodeURIComponent('aa bb cc dd ee ff gg hh')}`);
    assert.equal(relaxations(many, { instanceFixed: false, now }).length, MAX_RELAXATIONS);
  });

  it('names the one filter whose removal brings events back, else each that does', () => {
    const [first, second] = relaxations(filters('?q=-action:delete%20payments'), { instanceFixed: false, now });
    assert.ok(first && second);
    assert.equal(
      explanation([
        { relaxation: first, count: 42 },
        { relaxation: second, count: 0 },
      ]).culprit?.relaxation.label,
      '-action:delete',
    );
    assert.deepEqual(
      explanation([
        { relaxation: first, count: 42 },
        { relaxation: second, count: 3 },
      ]).others.length,
      2,
    );
    assert.deepEqual(explanation([{ relaxation: first, count: 0 }]), { culprit: null, others: [] });
  });
});
