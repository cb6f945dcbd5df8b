/**
 * The saved views' dashboard helpers (web/src/lib/saved-views/saved-views.ts) under Node, and the
 * agreement the feature rests on: every filter the Audit Logs tab writes into its URL is a filter
 * the Worker accepts in a saved view (worker/contract/saved-views.ts), so "Save current view" never
 * meets a refusal for filters the tab itself made.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type AuditFilters, filtersToSearch } from '../../web/src/lib/audit/audit-filters.ts';
import { describeQuery, nameError, refusalWords, viewHref, viewQuery } from '../../web/src/lib/saved-views/saved-views.ts';
import { ApiProblem } from '../../web/src/lib/shell/api.ts';
import { MAX_SAVED_VIEW_NAME, savedQueryProblems } from '../../worker/contract/saved-views.ts';

/** Every field of the tab's filters set, so a new one (a new URL key) must be added here to type-check. */
const EVERY_FILTER: AuditFilters = {
  range: 'custom',
  from: '2026-11-01T00:00:00.000Z',
  to: '2026-11-08T00:00:00.000Z',
  actors: ['alice@example.com', 'bob@example.com'],
  actions: ['delete', 'sync'],
  objectTypes: ['argocd_application'],
  instanceId: 'inst_01',
  objects: {
    app: ['guestbook'],
    project: ['default'],
    cluster: ['prod'],
    namespace: ['web'],
    kargoProject: ['storefront'],
    stage: ['prod'],
    children: true,
  },
  q: 'action:sync "synced to" payments',
  utc: true,
};

describe('saved views in the dashboard', () => {
  it('saves every filter the tab writes, and nothing that is not a filter', () => {
    const query = viewQuery(new URLSearchParams(filtersToSearch(EVERY_FILTER)));
    for (const key of ['range', 'from', 'to', 'actor', 'action', 'objectType', 'instance', 'app', 'children', 'q']) {
      assert.ok(new URLSearchParams(query).has(key), `${key} is saved`);
    }
    assert.equal(new URLSearchParams(query).has('utc'), false, 'the zone is a display setting, not a filter');
    assert.deepEqual(savedQueryProblems(query), []);
    // The open event and the zone are dropped; defaults are left out.
    assert.equal(viewQuery(new URLSearchParams('event=01J&at=5&utc=1&range=7d')), '');
    assert.deepEqual(savedQueryProblems(''), []);
  });

  it('names what the Worker refuses in a query', () => {
    assert.match(savedQueryProblems('utc=1')[0] ?? '', /"utc" is not a filter/);
    assert.match(savedQueryProblems('range=7d&range=24h')[0] ?? '', /range appears 2 times/);
    assert.equal(savedQueryProblems('hasOwnProperty=1').length, 1);
  });

  it('links to the tab with the filters, and reads them out', () => {
    assert.equal(viewHref('/orgs/o/audit-logs', 'action=delete'), '/orgs/o/audit-logs?action=delete');
    assert.equal(viewHref('/orgs/o/audit-logs', ''), '/orgs/o/audit-logs');
    assert.equal(describeQuery('range=30d&q=a+b%3Ac'), 'range: 30d, q: a b:c');
  });

  it('says what is wrong with a name, in words, before sending it', () => {
    assert.equal(nameError('  '), 'Enter a name for the view.');
    assert.equal(nameError('x'.repeat(MAX_SAVED_VIEW_NAME)), null);
    assert.equal(nameError('x'.repeat(MAX_SAVED_VIEW_NAME + 1)), 'Use at most 100 characters (this name has 101).');
    assert.equal(nameError('a\tb'), 'A name cannot contain tabs or line breaks.');
  });

  it('puts each refusal of the Worker where it belongs', () => {
    const problem = (type: string, status: number, detail: string, errors?: { pointer: string; detail: string }[]) =>
      new ApiProblem({ type: `urn:problem:audit-logs:${type}`, title: 't', status, detail, ...(errors ? { errors } : {}) });
    assert.deepEqual(refusalWords(problem('saved-view-exists', 409, 'You already have a saved view named "A" in this organization.')), {
      name: 'You already have a saved view named "A" in this organization. Choose another name, or rename that view first.',
      form: null,
    });
    assert.deepEqual(refusalWords(problem('saved-view-limit', 409, 'You have 100 saved views.')), {
      name: null,
      form: 'You have 100 saved views.',
    });
    assert.deepEqual(
      refusalWords(problem('validation-failed', 422, 'x', [{ pointer: 'query', detail: '"utc" is not a filter of the Audit Logs tab' }])),
      { name: null, form: 'These filters cannot be saved: "utc" is not a filter of the Audit Logs tab.' },
    );
    assert.equal(refusalWords(problem('unauthenticated', 401, 'x')).form, 'Your session has ended. Sign in again to save views.');
  });
});
