/**
 * The dashboard's readers of the search language (chips only: the Worker parses `filters.q`), its
 * object filters (URL ↔ Akuity's object filter groups) and its role table, under Node directly.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { apiFilterParams, filtersToSearch, parseFilters, timeWindow } from '../../web/src/lib/audit/audit-filters.ts';
import { OBJECT_FIELDS } from '../../web/src/lib/audit/object-filters.ts';
import { queryChips, tokenize, withoutToken } from '../../web/src/lib/audit/search-query.ts';
import { canConfigureAudit, canManage, canReadAudit, KEY_ROLES, MEMBER_ROLES, mayGrant } from '../../web/src/lib/shell/roles.ts';
import { GROUP_TEXT_FIELDS, OBJECT_GROUPS } from '../../worker/contract/object-groups.ts';

describe('search chips', () => {
  it('makes a chip of each qualifier, keeps words and phrases as text', () => {
    const text = 'actor:alice@example.com guestb -action:delete,rollback "synced to" object:"my app" after:2026-11-01';
    assert.deepEqual(tokenize(text), [
      'actor:alice@example.com',
      'guestb',
      '-action:delete,rollback',
      '"synced to"',
      'object:"my app"',
      'after:2026-11-01',
    ]);
    assert.deepEqual(
      queryChips(text).map((chip) => [chip.index, chip.label]),
      [
        [0, 'Actor: alice@example.com'],
        [2, 'Not action: delete, rollback'],
        [4, 'Object: my app'],
        [5, 'After: 2026-11-01'],
      ],
    );
  });

  it('makes no chip of what the Worker refuses (unknown qualifier, empty value, open quote)', () => {
    assert.deepEqual(queryChips('acter:bob action: type:"x'), []);
    assert.equal(tokenize('object:"open'), null);
  });

  it('removes one token and keeps the others as typed', () => {
    const text = 'actor:bob   guestb  -action:delete';
    assert.equal(withoutToken(text, 0), 'guestb -action:delete');
    assert.equal(withoutToken(text, 2), 'actor:bob guestb');
  });
});

describe('object filters', () => {
  const now = Date.parse('2026-11-26T12:00:00Z');
  const params = (search: string) => {
    const filters = parseFilters(new URLSearchParams(search));
    return apiFilterParams(filters, timeWindow(filters, now));
  };

  it("name real groups and fields of the Worker's contract", () => {
    for (const field of OBJECT_FIELDS) {
      assert.ok(field.group in OBJECT_GROUPS, field.group);
      assert.ok(field.field in GROUP_TEXT_FIELDS, field.field);
    }
  });

  it('become filters.<group>.<field>, children only for the groups named by object name', () => {
    const api = params('app=guestbook,payments-api&cluster=prod-us-east-1&namespace=shop&kargoProject=storefront&stage=prod&children=1');
    assert.deepEqual(api.getAll('filters.argocdApplication.objectName'), ['guestbook', 'payments-api']);
    assert.deepEqual(api.getAll('filters.argocdCluster.objectName'), ['prod-us-east-1']);
    assert.deepEqual(api.getAll('filters.k8sResource.objectNamespace'), ['shop']);
    assert.deepEqual(api.getAll('filters.kargoPromotion.objectParentKargoProjectName'), ['storefront']);
    assert.deepEqual(api.getAll('filters.kargoPromotion.objectParentName'), ['prod']);
    assert.equal(api.get('filters.argocdApplication.includeChildObjects'), 'true');
    assert.equal(api.get('filters.argocdCluster.includeChildObjects'), 'true');
    assert.equal(api.has('filters.argocdProject.includeChildObjects'), false, 'no project named');
    assert.equal(api.has('filters.kargoPromotion.includeChildObjects'), false);
  });

  it('drop "include child objects" without an application, project or cluster, and round-trip the URL', () => {
    assert.equal(filtersToSearch(parseFilters(new URLSearchParams('children=1&stage=prod'))), '?stage=prod');
    const search = '?app=guestbook&project=default&children=1';
    assert.equal(filtersToSearch(parseFilters(new URLSearchParams(search))), search);
    assert.equal([...params('children=1').keys()].filter((key) => key.includes('.includeChildObjects')).length, 0);
  });
});

describe('roles', () => {
  it('shows audit pages to owners and auditors, management to owners and admins, settings changes to owners', () => {
    assert.deepEqual(
      MEMBER_ROLES.filter((role) => canReadAudit(role)),
      ['owner', 'auditor'],
    );
    assert.deepEqual(
      MEMBER_ROLES.filter((role) => canManage(role)),
      ['owner', 'admin'],
    );
    assert.deepEqual(
      MEMBER_ROLES.filter((role) => canConfigureAudit(role)),
      ['owner'],
    );
  });

  it('offers the roles the API lets each role grant: owners all, admins admin, member and ingest', () => {
    const grants = Object.fromEntries(KEY_ROLES.map((caller) => [caller, KEY_ROLES.filter((target) => mayGrant(caller, target))]));
    assert.deepEqual(grants, {
      ingest: [],
      auditor: [],
      member: [],
      admin: ['ingest', 'member', 'admin'],
      owner: ['ingest', 'auditor', 'member', 'admin', 'owner'],
    });
  });
});
