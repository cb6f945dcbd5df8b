/**
 * What each kind of caller must get from a route of the isolation matrix (test/isolation-matrix.test.ts),
 * and the shape of a route's entry there.
 */
import type { Caller, Fixture, Who } from './isolation-callers.ts';
import { DERIVED } from './isolation-callers.ts';

export type Expectation = Record<Who, number>;
export const expectedStatus = (expectation: Expectation, caller: Caller): number =>
  expectation[caller in DERIVED ? DERIVED[caller as keyof typeof DERIVED] : (caller as Who)];

export const BAD = { malformed: 401, revoked: 401, expiredKey: 401 } as const;
export const denied = (
  allowed: Partial<Record<'owner' | 'admin' | 'auditor' | 'member' | 'ingest' | 'boundIngest', number>>,
): Expectation => ({
  none: 401,
  ...BAD,
  expiredSession: 401,
  otherOwner: 403,
  owner: 403,
  admin: 403,
  auditor: 403,
  member: 403,
  ingest: 403,
  boundIngest: 403,
  ...allowed,
});
/** The audit record: owners and auditors read it. */
export const auditReaders = denied({ owner: 200, auditor: 200 });
export const readers = denied({ owner: 200, admin: 200, auditor: 200, member: 200 });
export const managers = (status: number) => denied({ owner: status, admin: status });
/** Webhooks are the owners' alone: auditors read the record, not where it is sent. */
export const ownersOnly = denied({ owner: 200 });
export const everyone = (status: number): Expectation => ({
  none: status,
  ...BAD,
  expiredSession: status,
  otherOwner: status,
  owner: status,
  admin: status,
  auditor: status,
  member: status,
  ingest: status,
  boundIngest: status,
});

export const personOnly: Expectation = { ...everyone(403), none: 401, ...BAD, expiredSession: 401 };
export interface RouteCase {
  expect: Expectation;
  /** A fresh request against the fixture (fresh objects, so deletes never collide). */
  request: (fixture: Fixture) => Promise<{ path: string; method: string; body?: unknown }>;
}

/** The target organization's API prefix. */
export const org = (f: Fixture) => `/api/v1/organizations/${f.org.orgId}`;
