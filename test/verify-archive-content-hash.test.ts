// The single-archive verifier recomputes each event's contentHash (docs/INTEGRITY.md) in day files
// that carry it; archives built before events had one (no contentHash at all) still verify.
import { describe, expect, it } from 'vitest';
import { verifyArchive } from '../worker/archive/verify/index.ts';
import { contentHashOf } from '../worker/events/content-hash.ts';
import { buildArchive, dayFiles, type Event, expectOnlyProblems, TOTAL_EVENTS, weekEvents } from './helpers/independent-archives.ts';

type HashedEvent = Event & { source: string; sourceKeyId: string | null; credential: null; sequence: number; contentHash?: string };

/** The independent week in today's shape: provenance, sequence and contentHash on every event. */
function hashedDays(): HashedEvent[][] {
  let sequence = 0;
  return weekEvents().map((events) =>
    events.map((event) => {
      sequence += 1;
      const content = { ...event, source: 'ingest', sourceKeyId: null, credential: null, sequence };
      return { ...content, contentHash: contentHashOf(content) };
    }),
  );
}

const monday = (days: HashedEvent[][]): HashedEvent[] => days[0] ?? [];

describe('verifyArchive: contentHash', () => {
  it('passes when every contentHash matches its event, and says it recomputed them', async () => {
    const report = await verifyArchive(await buildArchive({ files: dayFiles(hashedDays()) }));
    expect(report.problems).toEqual([]);
    expect(report.records).toBe(TOTAL_EVENTS);
    expect(report.checks).toContainEqual(
      expect.stringMatching(/^2026-11-23\.json: 4 events, .*unique sequences, every contentHash recomputed, one organization$/),
    );
  });

  it('names the event and its sequence when a field was changed, even under a manifest and signature made for the changed file', async () => {
    const days = hashedDays();
    const altered = monday(days)[1] as HashedEvent;
    altered.details = { ...altered.details, message: 'Synced to something else' };
    expectOnlyProblems(
      await verifyArchive(await buildArchive({ files: dayFiles(days) })),
      new RegExp(
        `^2026-11-23\\.json line 3 \\(event ${altered.id}\\): sequence 2: contentHash ${altered.contentHash} does not match the event's content \\(recomputed: ${contentHashOf(altered)}\\)$`,
      ),
    );
  });

  it('catches an event given another sequence (the hash covers it), and a nested or numeric change', async () => {
    const days = hashedDays();
    const [first, , third, fourth] = monday(days) as HashedEvent[];
    if (!first || !third || !fourth) throw new Error('Monday has four events');
    // Swapping two sequences keeps the set of sequences whole: only the hashes can tell.
    [first.sequence, third.sequence] = [third.sequence, first.sequence];
    fourth.details = { ...fourth.details, extra: { n: 1e21 } };
    const withNumber = hashedDays();
    const untouched = monday(withNumber)[3] as HashedEvent;
    untouched.details = { ...untouched.details, extra: { n: 1e21 } };
    untouched.contentHash = contentHashOf(untouched);
    expect((await verifyArchive(await buildArchive({ files: dayFiles(withNumber) }))).problems).toEqual([]);
    (untouched.details.extra as { n: number }).n = 1e22;
    expectOnlyProblems(
      await verifyArchive(await buildArchive({ files: dayFiles(days) })),
      /^2026-11-23\.json line 2 \(event 01KA0M00000000000000000001\): sequence 3: contentHash [0-9a-f]{64} does not match/,
      /^2026-11-23\.json line 4 \(event 01KA0M00000000000000000003\): sequence 1: contentHash [0-9a-f]{64} does not match/,
      /^2026-11-23\.json line 5 \(event 01KA0M00000000000000000004\): sequence 4: contentHash [0-9a-f]{64} does not match/,
    );
    expectOnlyProblems(
      await verifyArchive(await buildArchive({ files: dayFiles(withNumber) })),
      /^2026-11-23\.json line 5 \(event 01KA0M00000000000000000004\): sequence 4: contentHash [0-9a-f]{64} does not match/,
    );
  });

  it('refuses a malformed contentHash, and a day file where only some events carry one', async () => {
    const days = hashedDays();
    Object.assign(monday(days)[0] ?? {}, { contentHash: 'ABC' });
    Object.assign(monday(days)[1] ?? {}, { contentHash: 7 });
    delete monday(days)[2]?.contentHash;
    expectOnlyProblems(
      await verifyArchive(await buildArchive({ files: dayFiles(days) })),
      /^2026-11-23\.json line 2 \(event 01KA0M00000000000000000001\): sequence 1: contentHash must be 64 lowercase hex digits, found "ABC"$/,
      /^2026-11-23\.json line 3 \(event 01KA0M00000000000000000002\): sequence 2: contentHash must be 64 lowercase hex digits, found 7$/,
      /^2026-11-23\.json: 1 of 4 events have no contentHash \(a day file has it on every event or on none\)$/,
    );
  });
});
