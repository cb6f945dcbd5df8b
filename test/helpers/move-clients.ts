import { expect } from 'vitest';
import { call, type TestOrg } from './api.ts';

/** What one ingesting client saw while an organization moved. */
export interface ClientLog {
  acknowledged: string[];
  batches: number;
  /** 503 answers (the switch's pause), and the longest stretch from a first 503 to the next 201. */
  refused: number;
  longestPauseMs: number;
  retryAfter: Set<string>;
}

const BATCH = 20;

/**
 * An ingest client that sends batches of new events until `stop()` says so, retrying a 503 after
 * 100 ms (sooner than its Retry-After, to measure the pause closely). Any other answer than 201
 * or 503 fails the test. Ids are the client's own, so acknowledged ids can be looked up.
 */
export async function ingestUntil(org: TestOrg, client: number, stop: () => boolean): Promise<ClientLog> {
  const log: ClientLog = { acknowledged: [], batches: 0, refused: 0, longestPauseMs: 0, retryAfter: new Set() };
  let pauseStarted: number | null = null;
  for (let batch = 0; !stop(); batch += 1) {
    const items = Array.from({ length: BATCH }, (_, index) => ({
      id: `client-${client}-${batch}-${index}-${org.orgId}`,
      timestamp: new Date().toISOString(),
      action: 'update',
      actor: { type: 'user', id: `client-${client}@example.com` },
      object: { type: 'argocd_application', id: { name: `app-${batch % 13}` } },
    }));
    for (;;) {
      const response = await call(`/api/v1/organizations/${org.orgId}/audit-logs`, {
        method: 'POST',
        token: org.ownerKey,
        body: { items },
      });
      const text = await response.text();
      if (response.status === 201) {
        log.acknowledged.push(...(JSON.parse(text) as { ids: string[] }).ids);
        log.batches += 1;
        // A steady client, not a flood: a batch of 20 about every half second (40 events/s each, 160
        // for the four), so the move and the deliveries it feeds fit the test's time on a 2-core CI
        // machine; bench/results-move.md measures the rate a moving organization keeps under load.
        await new Promise((done) => setTimeout(done, 500));
        if (pauseStarted !== null) log.longestPauseMs = Math.max(log.longestPauseMs, Date.now() - pauseStarted);
        pauseStarted = null;
        break;
      }
      expect(response.status, text).toBe(503);
      log.refused += 1;
      log.retryAfter.add(response.headers.get('retry-after') ?? '');
      pauseStarted ??= Date.now();
      await new Promise((done) => setTimeout(done, 100));
    }
  }
  return log;
}
