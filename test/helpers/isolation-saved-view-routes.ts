/**
 * The isolation matrix's saved-view routes (test/isolation-matrix.test.ts): every reader of the
 * organization keeps their own views. The matrix's owner, admin, auditor and member keys are all
 * personal keys of the target's owner, so each reaches the owner's views; a PATCH or DELETE acts
 * on a view made fresh for it (by the owner) so no caller finds it already gone.
 */
import { call, json, unique } from './api.ts';
import type { Fixture } from './isolation-callers.ts';
import { denied, org, type RouteCase } from './isolation-expectations.ts';

const path = '/api/v1/organizations/{orgId}/saved-views';
const readers = (status: number) => denied({ owner: status, admin: status, auditor: status, member: status });

async function freshView(f: Fixture): Promise<string> {
  const created = await json<{ id: string }>(
    await call(`${org(f)}/saved-views`, {
      method: 'POST',
      token: f.org.ownerKey,
      body: { name: unique('matrix'), query: 'action=delete' },
    }),
    201,
  );
  return `${org(f)}/saved-views/${created.id}`;
}

export const SAVED_VIEW_ROUTES: Record<string, RouteCase> = {
  [`GET ${path}`]: { expect: readers(200), request: async (f) => ({ method: 'GET', path: `${org(f)}/saved-views` }) },
  [`POST ${path}`]: {
    expect: readers(201),
    request: async (f) => ({ method: 'POST', path: `${org(f)}/saved-views`, body: { name: unique('matrix'), query: 'range=30d' } }),
  },
  [`PATCH ${path}/{viewId}`]: {
    expect: readers(200),
    request: async (f) => ({ method: 'PATCH', path: await freshView(f), body: { name: unique('renamed') } }),
  },
  [`DELETE ${path}/{viewId}`]: { expect: readers(204), request: async (f) => ({ method: 'DELETE', path: await freshView(f) }) },
};
