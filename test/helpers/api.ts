import { env, exports } from 'cloudflare:workers';
import { expect } from 'vitest';
import type { CreatedOrganization, KeyRole, Problem } from '../../worker/contract/index.ts';

export const ADMIN = env.ADMIN_TOKEN;
const ORIGIN = 'http://localhost:8787';

export interface CallOptions {
  method?: string;
  token?: string | null;
  /** A string or bytes go out as they are (e.g. bytes that are not UTF-8); anything else as JSON. */
  body?: unknown;
  headers?: Record<string, string>;
}

/** Sends a request through the Worker's real fetch handler (same code path as production). */
export async function call(path: string, options: CallOptions = {}): Promise<Response> {
  const headers = new Headers(options.headers);
  if (options.token) headers.set('authorization', `Bearer ${options.token}`);
  let body: string | Uint8Array | undefined;
  if (options.body !== undefined) {
    headers.set('content-type', 'application/json');
    body = typeof options.body === 'string' || options.body instanceof Uint8Array ? options.body : JSON.stringify(options.body);
  }
  // Redirects are answers to check (SSO sign-in), never followed.
  return exports.default.fetch(new Request(ORIGIN + path, { method: options.method ?? 'GET', headers, body, redirect: 'manual' }));
}

export async function json<T>(response: Response, status: number): Promise<T> {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  return JSON.parse(text) as T;
}

export type { Problem };

/** Asserts an RFC 9457 problem response with the given status and returns its body. */
export async function expectProblem(response: Response, status: number): Promise<Problem> {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  expect(response.headers.get('content-type')).toBe('application/problem+json');
  const problem = JSON.parse(text) as Problem;
  expect(problem.status).toBe(status);
  expect(problem.type).toMatch(/^urn:problem:audit-logs:/);
  expect(problem.title.length).toBeGreaterThan(0);
  expect(problem.detail.length).toBeGreaterThan(0);
  expect(problem.requestId.length).toBeGreaterThan(0);
  expect(response.headers.get('x-request-id')).toBe(problem.requestId);
  return problem;
}

let sequence = 0;
/** Unique per test run: storage is shared between the tests of a file. */
export function unique(label: string): string {
  sequence += 1;
  return `${label}-${Date.now().toString(36)}-${sequence}`;
}

export interface TestOrg {
  orgId: string;
  ownerKey: string;
  ownerKeyId: string;
  ownerEmail: string;
  /** The event database the service placed it on. */
  shard: string;
}

/** A new organization, placed by the service (or on `shard`, as an operator may). */
export async function createOrg(label = 'org', options: { shard?: 'SHARD_1' | 'SHARD_2' } = {}): Promise<TestOrg> {
  const ownerEmail = `${unique(label)}@example.com`;
  const created = await json<CreatedOrganization>(
    await call('/api/v1/organizations', {
      method: 'POST',
      token: ADMIN,
      body: { name: unique(label), owner: { email: ownerEmail, name: 'Owner' }, ...options },
    }),
    201,
  );
  return {
    orgId: created.organization.id,
    ownerKey: created.ownerApiKey,
    ownerKeyId: created.ownerApiKeyId,
    ownerEmail,
    shard: created.organization.shard,
  };
}

export async function createKey(
  org: TestOrg,
  role: KeyRole,
  extra: { instanceId?: string; expiresAt?: string } = {},
): Promise<{ id: string; secret: string }> {
  return json(
    await call(`/api/v1/organizations/${org.orgId}/api-keys`, {
      method: 'POST',
      token: org.ownerKey,
      body: { name: `${role} key`, role, ...extra },
    }),
    201,
  );
}

export async function createInstance(org: TestOrg, type: 'argocd' | 'kargo', name = unique(type)): Promise<{ id: string; name: string }> {
  return json(
    await call(`/api/v1/organizations/${org.orgId}/instances`, { method: 'POST', token: org.ownerKey, body: { type, name } }),
    201,
  );
}
