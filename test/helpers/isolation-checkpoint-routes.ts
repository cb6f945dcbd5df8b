/**
 * The isolation matrix's checkpoint routes (test/isolation-matrix.test.ts): owners and auditors.
 * Before each POST the target's checkpoints are removed (as an operator with database access
 * could), so every allowed caller gets a new one (201) rather than the one-a-minute limit.
 */

import type { Fixture } from './isolation-callers.ts';
import { auditReaders, denied, org, type RouteCase } from './isolation-expectations.ts';
import { eventsD1 } from './shards.ts';

const path = '/api/v1/organizations/{orgId}/audit-log-checkpoints';

export const CHECKPOINT_ROUTES: Record<string, RouteCase> = {
  [`GET ${path}`]: {
    expect: auditReaders,
    request: async (f) => ({ method: 'GET', path: `${org(f)}/audit-log-checkpoints?afterSequence=0` }),
  },
  [`POST ${path}`]: {
    expect: denied({ owner: 201, auditor: 201 }),
    request: async (f: Fixture) => {
      await (await eventsD1(f.org.orgId)).prepare('DELETE FROM audit_checkpoints WHERE organization_id = ?').bind(f.org.orgId).run();
      return { method: 'POST', path: `${org(f)}/audit-log-checkpoints` };
    },
  },
};
