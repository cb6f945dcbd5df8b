import { describe, expect, it } from 'vitest';
import { MAX_SAVED_VIEWS } from '../worker/contract/saved-views.ts';
import { createOrg, expectProblem, unique } from './helpers/api.ts';
import { listViews, saveView, viewsCall } from './helpers/saved-views.ts';

/** Saved views against hostile input: every refusal is a 4xx that stores nothing. */

describe('saved views: hostile input', () => {
  it('refuses bad names and queries with a 422 naming the field, and stores nothing', async () => {
    const org = await createOrg('views-bad');
    const as = { token: org.ownerKey };
    const good = await saveView(org, as, { name: 'keep', query: 'action=delete' });
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ name: '', query: '' }, 'name', /./],
      [{ name: '   ', query: '' }, 'name', /./],
      [{ name: 'x'.repeat(101), query: '' }, 'name', /./],
      [{ name: 'a\u0000b', query: '' }, 'name', /control characters/],
      [{ name: 'tab\there', query: '' }, 'name', /control characters/],
      [{ name: 'n', query: `q=${'a'.repeat(4100)}` }, 'query', /./],
      [{ name: 'n', query: 'q=a\u0000b' }, 'query', /control characters/],
      [{ name: 'n', query: 'q=a%00b' }, 'query', /control characters/],
      [{ name: 'n', query: 'utc=1' }, 'query', /"utc" is not a filter/],
      [{ name: 'n', query: 'filters.actorId=alice' }, 'query', /"filters.actorId" is not a filter/],
      [{ name: 'n', query: '__proto__=1' }, 'query', /"__proto__" is not a filter/],
      [{ name: 'n', query: 'range=1y' }, 'query', /range/],
      [{ name: 'n', query: 'range=7d&range=30d' }, 'query', /range appears 2 times/],
      [{ name: 'n', query: 'range=custom&from=yesterday' }, 'query', /from/],
      [{ name: 'n', query: 'actor=' }, 'query', /actor/],
      [{ name: 'n', query: `app=${'x'.repeat(300)}` }, 'query', /app/],
      [{ name: 'n', query: Array.from({ length: 101 }, (_, i) => `action=a${i}`).join('&') }, 'query', /action/],
      [{ name: 'n', query: 'children=yes' }, 'query', /children/],
      [{ name: 'n', query: 'q=colour:red' }, 'query', /q: .*colour/],
      [{ name: 'n', query: '', extra: 1 }, 'extra', /./],
      [{ name: 'n' }, 'query', /./],
      [{ name: 7, query: '' }, 'name', /./],
    ];
    for (const [body, pointer, detail] of cases) {
      const problem = await expectProblem(await viewsCall(org, as, { method: 'POST', body }), 422);
      const error = problem.errors?.find((entry) => entry.pointer === pointer);
      expect(error, `${JSON.stringify(body).slice(0, 80)} → ${JSON.stringify(problem.errors)}`).toBeDefined();
      expect(error?.detail).toMatch(detail);
    }
    await expectProblem(await viewsCall(org, as, { method: 'PATCH', suffix: `/${good.id}`, body: {} }), 422);
    await expectProblem(await viewsCall(org, as, { method: 'PATCH', suffix: `/${good.id}`, body: { query: 'event=01J' } }), 422);
    expect(await listViews(org, as)).toEqual([good]);
  });

  it('refuses lone surrogates (raw JSON) and bodies that are not JSON', async () => {
    const org = await createOrg('views-surrogate');
    const as = { token: org.ownerKey };
    for (const raw of ['{"name":"a\\ud800b","query":""}', '{"name":"ok","query":"q=\\udfff"}', '{"name":', 'null']) {
      const response = await viewsCall(org, as, { method: 'POST', body: raw });
      expect([400, 422], raw).toContain(response.status);
      await response.body?.cancel();
    }
    expect(await listViews(org, as)).toEqual([]);
  });

  it('keeps names unique per person ignoring case (409 in words), also for renames and racing saves', async () => {
    const org = await createOrg('views-names');
    const as = { token: org.ownerKey };
    const first = await saveView(org, as, { name: 'Prod deletes', query: 'action=delete' });
    const second = await saveView(org, as, { name: 'Syncs', query: 'action=sync' });
    const clash = await expectProblem(await viewsCall(org, as, { method: 'POST', body: { name: 'PROD DELETES', query: '' } }), 409);
    expect(clash.type).toBe('urn:problem:audit-logs:saved-view-exists');
    expect(clash.detail).toContain('"PROD DELETES"');
    await expectProblem(await viewsCall(org, as, { method: 'PATCH', suffix: `/${second.id}`, body: { name: 'prod deletes' } }), 409);
    // Renaming a view to its own name in another case is no clash.
    await viewsCall(org, as, { method: 'PATCH', suffix: `/${first.id}`, body: { name: 'PROD deletes' } });

    const name = unique('race');
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => viewsCall(org, as, { method: 'POST', body: { name, query: 'action=update' } })),
    );
    const statuses = answers.map((response) => response.status).sort();
    await Promise.all(answers.map((response) => response.body?.cancel()));
    expect(statuses).toEqual([201, 409, 409, 409, 409, 409, 409, 409]);
    expect((await listViews(org, as)).map((view) => view.name)).toEqual(['PROD deletes', name, 'Syncs'].sort((a, b) => a.localeCompare(b)));
  });

  it(`keeps at most ${MAX_SAVED_VIEWS} views per person per organization, also when saves race`, async () => {
    const org = await createOrg('views-limit');
    const as = { token: org.ownerKey };
    for (let i = 0; i < MAX_SAVED_VIEWS - 4; i += 8) {
      await Promise.all(Array.from({ length: 8 }, (_, j) => saveView(org, as, { name: `fill ${i + j}`, query: '' })));
    }
    const racing = await Promise.all(
      Array.from({ length: 10 }, (_, i) => viewsCall(org, as, { method: 'POST', body: { name: `race ${i}`, query: '' } })),
    );
    const statuses = racing.map((response) => response.status);
    await Promise.all(racing.map((response) => response.body?.cancel()));
    expect(statuses.filter((status) => status === 201)).toHaveLength(4);
    expect(statuses.filter((status) => status === 409)).toHaveLength(6);
    const over = await expectProblem(await viewsCall(org, as, { method: 'POST', body: { name: 'one more', query: '' } }), 409);
    expect(over.type).toBe('urn:problem:audit-logs:saved-view-limit');
    expect(over.detail).toMatch(/delete one/);
    const views = await listViews(org, as);
    expect(views).toHaveLength(MAX_SAVED_VIEWS);
    // Deleting one frees a place.
    expect((await viewsCall(org, as, { method: 'DELETE', suffix: `/${views[0]?.id}` })).status).toBe(204);
    await saveView(org, as, { name: 'one more', query: '' });
  });
});
