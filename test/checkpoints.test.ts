/** Signed checkpoints through the API, the hourly cron, the manifest's chainHash and retention (docs/INTEGRITY.md). */
import { createScheduledController, env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { GENESIS_CHAIN_HASH } from '../worker/events/content-hash.ts';
import worker from '../worker/index.ts';
import { runHourlyJobs } from '../worker/jobs/hourly-cron.ts';
import { call, createKey, createOrg, expectProblem, json } from './helpers/api.ts';
import { build, ingestAll, lastWeek, weekEvents } from './helpers/archives.ts';
import { checkpointsPath, listCheckpointsApi, readWholeStream, signCheckpoint, verifyOrganization } from './helpers/checkpoints.ts';
import { makeEvent } from './helpers/events.ts';

type Answer = { checkpoint: { sequence: number; chainHash: string; time: string; previousCheckpoint: unknown; signature: string } };

describe('POST and GET …/audit-log-checkpoints', () => {
  it('signs the chain through the request itself, answers the same one while nothing is new, then at most one a minute', async () => {
    const org = await createOrg('checkpoint-api');
    await ingestAll(org, [makeEvent(1), makeEvent(2)]);
    const auditor = (await createKey(org, 'auditor')).secret;
    const first = await json<Answer>(await call(checkpointsPath(org), { method: 'POST', token: auditor }), 201);
    const events = await readWholeStream(org);
    const recorded = events.at(-1);
    // The request is recorded as a platform event, and the checkpoint covers it.
    expect(recorded?.action).toBe('create');
    expect(recorded?.object.type).toBe('audit_log_checkpoint');
    expect(recorded?.source).toBe('platform');
    expect(first.checkpoint.sequence).toBe(recorded?.sequence);
    expect(first.checkpoint.previousCheckpoint).toBeNull();
    expect(Object.keys(first.checkpoint)).toEqual(['organizationId', 'sequence', 'chainHash', 'time', 'previousCheckpoint', 'signature']);

    const again = await json<Answer>(await call(checkpointsPath(org), { method: 'POST', token: org.ownerKey }), 200);
    expect(again.checkpoint).toEqual(first.checkpoint);
    expect((await readWholeStream(org)).length).toBe(events.length);

    await ingestAll(org, [makeEvent(3)]);
    const limited = await call(checkpointsPath(org), { method: 'POST', token: org.ownerKey });
    await expectProblem(limited, 429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(limited.headers.get('retry-after'))).toBeLessThanOrEqual(60);

    const listed = await listCheckpointsApi(org, auditor);
    expect(listed).toEqual([first.checkpoint]);
    const verified = await verifyOrganization(org);
    expect(verified.problems).toEqual([]);
    expect(verified.verifiedThrough?.sequence).toBe(first.checkpoint.sequence);
    expect(verified.notes.join()).toContain('not yet proven by a signature');
  });

  it('lists ascending after a sequence; each checkpoint continues from the one before', async () => {
    const org = await createOrg('checkpoint-list');
    const one = (await signCheckpoint(org)).checkpoint;
    await ingestAll(org, [makeEvent(1)]);
    const two = (await signCheckpoint(org)).checkpoint;
    await ingestAll(org, [makeEvent(2)]);
    const three = (await signCheckpoint(org)).checkpoint;
    expect(await listCheckpointsApi(org)).toEqual([one, two, three]);
    expect(two.previousCheckpoint).toEqual({ sequence: one.sequence, chainHash: one.chainHash });
    expect(three.previousCheckpoint).toEqual({ sequence: two.sequence, chainHash: two.chainHash });
    const after = await json<{ checkpoints: unknown[] }>(
      await call(`${checkpointsPath(org)}?afterSequence=${one.sequence}`, { token: org.ownerKey }),
      200,
    );
    expect(after.checkpoints).toEqual([two, three]);
    await expectProblem(await call(`${checkpointsPath(org)}?afterSequence=-1`, { token: org.ownerKey }), 400);
    expect((await verifyOrganization(org)).problems).toEqual([]);
  });
});

describe('the hourly cron', () => {
  it('signs every organization with new events, within its budget, and continues the next hour', async () => {
    const org = await createOrg('checkpoint-hourly');
    await ingestAll(
      org,
      Array.from({ length: 12 }, (_, index) => makeEvent(index)),
    );
    const last = (await readWholeStream(org)).at(-1)?.sequence ?? 0;
    // Dispatched by its schedule: the organization is signed through its last event.
    await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: '0 * * * *' }), env);
    expect((await listCheckpointsApi(org)).at(-1)?.sequence).toBe(last);

    const small = await createOrg('checkpoint-budget');
    await ingestAll(
      small,
      Array.from({ length: 30 }, (_, index) => makeEvent(index)),
    );
    const target = (await readWholeStream(small)).at(-1)?.sequence ?? 0;
    // A budget smaller than the backlog: part of the way now, the rest on later runs.
    for (let run = 0; run < 10 && (await listCheckpointsApi(small)).at(-1)?.sequence !== target; run += 1)
      await runHourlyJobs(env, Date.now(), 10);
    const checkpoints = await listCheckpointsApi(small);
    expect(checkpoints.length).toBeGreaterThan(2);
    expect(checkpoints.at(-1)?.sequence).toBe(target);
    expect((await verifyOrganization(small)).problems).toEqual([]);
    // Nothing new: nothing signed.
    const report = await runHourlyJobs(env, Date.now());
    expect(report.chainBroken.filter((entry) => entry.organizationId === small.orgId)).toEqual([]);
    expect(await listCheckpointsApi(small)).toEqual(checkpoints);
  });
});

describe('the weekly manifest', () => {
  it('carries chainHash at the week’s last sequence, anchored by a checkpoint there', async () => {
    const org = await createOrg('checkpoint-manifest');
    const week = lastWeek();
    await ingestAll(org, weekEvents(week.startMs, 8, 'cm'));
    // A later event of this week's organization that is not in the week: the chain stops at the week's own last sequence.
    await ingestAll(org, [makeEvent(99, {}, 1)]);
    const built = await build(org.orgId, week.startDate);
    const events = await readWholeStream(org);
    const weekLast = Math.max(
      ...events
        .filter((event) => Date.parse(event.timestamp) >= week.startMs && Date.parse(event.timestamp) < week.endMs)
        .map((event) => event.sequence),
    );
    expect(built?.manifest.chainHash).toMatch(/^[0-9a-f]{64}$/);
    expect(built?.manifest.chainHash).not.toBe(GENESIS_CHAIN_HASH);
    const anchored = (await listCheckpointsApi(org)).find((checkpoint) => checkpoint.sequence === weekLast);
    expect(anchored?.chainHash).toBe(built?.manifest.chainHash);
    expect((await verifyOrganization(org)).problems).toEqual([]);
  });
});
