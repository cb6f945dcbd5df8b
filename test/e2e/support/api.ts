/** The e2e tests' API client: what the UI shows is checked against what the API answers. */
import assert from 'node:assert/strict';
import { seeded } from './harness.ts';

export interface ApiInit {
  method?: string;
  /** Sent as JSON. */
  body?: unknown;
  /** The API key to call with: the seeded owner's unless given. */
  key?: string;
  /** The status the call must answer with (asserted); any when absent. */
  expect?: number;
}

/** One API call to the run's server: its status and parsed JSON body (null when empty). */
export async function api<T>(path: string, init: ApiInit = {}): Promise<{ status: number; body: T }> {
  const { baseUrl, seed } = seeded();
  const response = await fetch(baseUrl + path, {
    method: init.method ?? 'GET',
    headers: {
      authorization: `Bearer ${init.key ?? seed.owner.apiKey}`,
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  if (init.expect !== undefined) assert.equal(response.status, init.expect, `${path} → ${response.status}`);
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : null) as T };
}
