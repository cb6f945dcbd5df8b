// The core of `npm run drill` (scripts/drill.ts) in CI: an organization's archived weeks lost from
// its shard, restored, and its whole record proven by the standalone verifier's --stream check
// against signed checkpoints, from sequence 1, before and after.
import { describe, expect, it } from 'vitest';
import type { RestoreResult } from '../worker/contract/restore.ts';
import { json } from './helpers/api.ts';
import { problemText, signCheckpoint, verifyOrganization } from './helpers/checkpoints.ts';
import { archivedOrg, deleteWeekRows, restore } from './helpers/restore.ts';

describe('recovery drill (core)', () => {
  it('a record whole before, broken by the loss, whole again after the restore, with as many events', async () => {
    const { org, weeks } = await archivedOrg('drill', [3, 2, 1], 80);
    await signCheckpoint(org);
    const before = await verifyOrganization(org);
    expect(before.ok, problemText(before)).toBe(true);
    expect(before.firstSequence).toBe(1);

    let deleted = 0;
    for (const week of weeks) deleted += await deleteWeekRows(org.orgId, week);
    expect(deleted).toBe(240);
    const broken = await verifyOrganization(org);
    // Not whole: either the verifier fails, or the copy no longer starts at sequence 1.
    expect(broken.ok && broken.firstSequence === 1).toBe(false);
    expect(broken.events).toBe(before.events - 240);

    const result = await json<RestoreResult>(
      await restore(
        org,
        weeks.map((week) => week.startDate),
      ),
      200,
    );
    expect(result.restore.weeks.reduce((sum, week) => sum + week.restored, 0)).toBe(240);
    const after = await verifyOrganization(org);
    expect(after.ok, problemText(after)).toBe(true);
    expect(after.firstSequence).toBe(1);
    expect(after.events).toBe(before.events);
  });
});
