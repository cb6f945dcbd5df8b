/**
 * The scrub (worker/services/integrity/scrub.ts): each checkpoint first re-verifies at most a
 * budget of already-signed events, resuming where the previous run stopped, so a large
 * organization is cycled through and a small one re-verified in full every time; deleted events
 * below retention's anchor are not walked again. docs/INTEGRITY.md, "The scrub".
 */
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { ChainBrokenError, checkpointCoversRange, createCheckpoint } from '../worker/services/integrity/index.ts';
import { createOrg, type TestOrg } from './helpers/api.ts';
import { ingestAll } from './helpers/archives.ts';
import { readWholeStream, signCheckpoint, TAMPERS, tamper } from './helpers/checkpoints.ts';
import { makeEvent } from './helpers/events.ts';
import { eventsDatabase } from './helpers/shards.ts';

/** One new event, then a checkpoint with the given scrub budget: the error it refuses with, or null. */
async function nextCheckpoint(org: TestOrg, scrubEvents?: number): Promise<ChainBrokenError | null> {
  await ingestAll(org, [makeEvent(0)]);
  const deps = { db: await eventsDatabase(org.orgId), signingKey: env.ARCHIVE_SIGNING_KEY };
  try {
    await createCheckpoint(deps, org.orgId, { now: Date.now(), reason: 'hourly', ...(scrubEvents === undefined ? {} : { scrubEvents }) });
    return null;
  } catch (error) {
    if (error instanceof ChainBrokenError) return error;
    throw error;
  }
}

/** An organization with 20 ingested events after its setup, checkpointed every 5. */
async function signedInSpans(label: string): Promise<{ org: TestOrg; first: number; last: number }> {
  const org = await createOrg(label);
  await ingestAll(
    org,
    Array.from({ length: 20 }, (_, index) => makeEvent(index)),
  );
  const last = (await readWholeStream(org)).at(-1)?.sequence ?? 0;
  const first = last - 19;
  for (const through of [first + 4, first + 9, first + 14, last]) await signCheckpoint(org, through);
  return { org, first, last };
}

describe('the scrub', () => {
  it('re-verifies a small organization in full at every checkpoint', async () => {
    const { org, first } = await signedInSpans('scrub-full');
    expect(await nextCheckpoint(org)).toBeNull();
    await TAMPERS.alter(org, first + 2);
    const refused = await nextCheckpoint(org);
    expect(refused?.sequence).toBe(1);
    // The first span runs from genesis to the checkpoint at first + 4: the narrowest range the chain gives.
    expect(refused?.through).toBe(first + 4);
    expect(refused?.message).toContain(`an event among sequences 1–${first + 4} was altered`);
    // Refused again next time: the cursor moves only when a stretch verifies.
    expect((await nextCheckpoint(org))?.sequence).toBe(1);
  });

  it('with a small budget, cycles through the signed events, resuming where the last run stopped', async () => {
    const { org, first, last } = await signedInSpans('scrub-budget');
    await TAMPERS.alter(org, last - 2);
    // Budget 6: the stretches 0–6, 6–12, … reach the last span (first + 14, last] only after a few runs.
    const outcomes: (ChainBrokenError | null)[] = [];
    for (let run = 0; run < 8 && !outcomes.at(-1); run += 1) outcomes.push(await nextCheckpoint(org, 6));
    const refused = outcomes.at(-1);
    expect(refused?.sequence).toBe(first + 15);
    expect(refused?.through).toBe(last);
    // Every run before it verified its stretch and signed: the tamper lies beyond the first ones.
    expect(outcomes.length).toBeGreaterThanOrEqual(Math.ceil((first + 14) / 6));
    expect(outcomes.slice(0, -1).every((outcome) => outcome === null)).toBe(true);
  });

  it('starts its cycles after the events retention deleted (their checkpoint is the floor)', async () => {
    const kept = await signedInSpans('scrub-floor');
    const control = await signedInSpans('scrub-no-floor');
    const deps = { db: await eventsDatabase(kept.org.orgId), signingKey: env.ARCHIVE_SIGNING_KEY };
    // Retention's guard for a range holding every event so far: the checkpoint at `last` covers them.
    expect(await checkpointCoversRange(deps, kept.org.orgId, { startMs: 0, endMs: Date.now() + 1 }, Date.now())).toBeNull();
    for (const { org, last } of [kept, control]) await tamper(org, 'DELETE FROM audit_events WHERE org_key = :org AND sequence <= ?', last);
    expect(await nextCheckpoint(kept.org)).toBeNull();
    const refused = await nextCheckpoint(control.org);
    expect(refused?.message).toContain('sequence 1 is missing');
  });
});
