/** `GET …/audit-log-checkpoints?latest=true`: only the newest checkpoint (the dashboard's "Verified through" line). */
import { describe, expect, it } from 'vitest';
import { call, createKey, createOrg, expectProblem, json } from './helpers/api.ts';
import { ingestAll } from './helpers/archives.ts';
import { checkpointsPath, listCheckpointsApi, signCheckpoint } from './helpers/checkpoints.ts';
import { makeEvent } from './helpers/events.ts';

type List = { checkpoints: { sequence: number; chainHash: string }[] };

describe('GET …/audit-log-checkpoints?latest=true', () => {
  it('answers only the newest checkpoint, an empty list before the first, and refuses other values', async () => {
    const org = await createOrg('checkpoint-latest');
    const auditor = (await createKey(org, 'auditor')).secret;
    const latest = (query = '') => call(`${checkpointsPath(org)}?latest=true${query}`, { token: auditor });
    expect((await json<List>(await latest(), 200)).checkpoints).toEqual([]);

    await ingestAll(org, [makeEvent(1)]);
    const one = (await signCheckpoint(org)).checkpoint;
    await ingestAll(org, [makeEvent(2), makeEvent(3)]);
    const two = (await signCheckpoint(org)).checkpoint;
    expect(two.sequence).toBeGreaterThan(one.sequence);
    expect((await json<List>(await latest(), 200)).checkpoints).toEqual([two]);
    // snake_case spelling and afterSequence together: the newest after it, or nothing.
    expect((await json<List>(await latest(`&afterSequence=${one.sequence}`), 200)).checkpoints).toEqual([two]);
    expect((await json<List>(await latest(`&after_sequence=${two.sequence}`), 200)).checkpoints).toEqual([]);
    // latest=false is the whole list, as without it.
    const all = await json<List>(await call(`${checkpointsPath(org)}?latest=false`, { token: auditor }), 200);
    expect(all.checkpoints).toEqual(await listCheckpointsApi(org));
    expect(all.checkpoints).toEqual([one, two]);
    for (const bad of ['yes', '1', 'TRUE', '', 'true,false'])
      await expectProblem(await call(`${checkpointsPath(org)}?latest=${encodeURIComponent(bad)}`, { token: auditor }), 400);
    await expectProblem(await call(`${checkpointsPath(org)}?latest=true&latest=false`, { token: auditor }), 400);
  });

  it("is refused to members and to another organization's owner (403, as the list is: test/isolation-matrix.test.ts)", async () => {
    const org = await createOrg('checkpoint-latest-member');
    const other = await createOrg('checkpoint-latest-other');
    await ingestAll(org, [makeEvent(1)]);
    await signCheckpoint(org);
    const member = (await createKey(org, 'member')).secret;
    await expectProblem(await call(`${checkpointsPath(org)}?latest=true`, { token: member }), 403);
    await expectProblem(await call(`${checkpointsPath(org)}?latest=true`, { token: other.ownerKey }), 403);
  });
});
