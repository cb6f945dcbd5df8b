/**
 * The "Verified through" line's helpers (web/src/lib/audit/latest-checkpoint.ts) under Node: the
 * time shown, and one request per organization however often the view asks (a fetch of our own
 * counts the calls; the answer is the API's shape).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkpointTime, latestCheckpoint } from '../../web/src/lib/audit/latest-checkpoint.ts';

const checkpoint = {
  organizationId: 'org_1',
  sequence: 42,
  chainHash: 'a'.repeat(64),
  time: '2026-11-24T14:05:09.123Z',
  previousCheckpoint: null,
  signature: 'sig',
};

function counting(answers: unknown[]): { fetch: typeof fetch; urls: string[] } {
  const urls: string[] = [];
  const fake = async (input: RequestInfo | URL) => {
    urls.push(String(input));
    const body = answers.shift();
    return body instanceof Response ? body : Response.json(body);
  };
  return { fetch: fake as typeof fetch, urls };
}

describe('checkpointTime', () => {
  it('shows the minute of a checkpoint of today, the date too otherwise, in the zone asked for', () => {
    const now = new Date('2026-11-24T20:00:00Z');
    assert.match(checkpointTime(checkpoint.time, true, now), /^14:05$/);
    const yesterday = checkpointTime('2026-11-23T23:59:00Z', true, now);
    assert.match(yesterday, /Nov/);
    assert.match(yesterday, /23:59/);
    assert.match(checkpointTime('2025-11-23T23:59:00Z', true, now), /2025/);
  });
});

describe('latestCheckpoint', () => {
  it('asks with latest=true once per organization, and answers null before the first checkpoint', async () => {
    const calls = counting([{ checkpoints: [checkpoint] }, { checkpoints: [] }]);
    assert.deepEqual(await latestCheckpoint(calls.fetch, 'org_one'), checkpoint);
    assert.deepEqual(await latestCheckpoint(calls.fetch, 'org_one'), checkpoint);
    assert.equal(await latestCheckpoint(calls.fetch, 'org_two'), null);
    assert.equal(calls.urls.length, 2);
    assert.match(calls.urls[0] ?? '', /\/api\/v1\/organizations\/org_one\/audit-log-checkpoints\?latest=true$/);
  });

  it('does not keep a failure: the next view asks again', async () => {
    const problem = Response.json(
      { type: 'urn:problem:audit-logs:forbidden', title: 'Forbidden', status: 403, detail: 'No.' },
      { status: 403 },
    );
    const calls = counting([problem, { checkpoints: [checkpoint] }]);
    await assert.rejects(latestCheckpoint(calls.fetch, 'org_three'));
    assert.deepEqual(await latestCheckpoint(calls.fetch, 'org_three'), checkpoint);
    assert.equal(calls.urls.length, 2);
  });
});
