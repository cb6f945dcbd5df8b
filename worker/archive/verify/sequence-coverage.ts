/**
 * Which sequence numbers one organization's archives cover. Late events (old timestamps) get the
 * next number, so a week's archive holds scattered sequences and only the union over all weeks
 * can be complete. Only the highest revision of each week counts: it holds all the events of the
 * lower ones plus the late ones.
 */
import type { CompletenessVerdict, DuplicateSequence, SequenceCoverage, UnknownWeek } from './directory-report.ts';
import { formatRanges, gapsThrough, mergeSorted, occurrences, rangeSize, runsOf } from './sequence-ranges.ts';

/** The events of one week's highest revision. */
export interface WeekSequences {
  startDate: string;
  /** Every valid sequence, sorted, repeats kept. */
  sequences: Float64Array;
  /** Events in the week's day files that could be read. */
  events: number;
  withoutSequence: number;
}

const plural = (count: number, one: string, many = `${one}s`): string => `${count} ${count === 1 ? one : many}`;

export function coverageOf(weeks: readonly WeekSequences[], unknownWeeks: UnknownWeek[]): SequenceCoverage {
  const all = mergeSorted(weeks.map((week) => week.sequences));
  const { runs, repeated } = runsOf(all);
  const highest = all.length > 0 ? (all[all.length - 1] ?? null) : null;
  const duplicates: DuplicateSequence[] = repeated.map(({ sequence }) => ({
    sequence,
    weeks: weeks.flatMap((week) => Array<string>(occurrences(week.sequences, sequence)).fill(week.startDate)),
  }));
  return {
    events: weeks.reduce((total, week) => total + week.events, 0),
    withSequence: all.length,
    withoutSequence: weeks.reduce((total, week) => total + week.withoutSequence, 0),
    highest,
    covered: runs,
    gaps: highest === null ? [] : gapsThrough(runs, highest),
    duplicates,
    unknownWeeks,
  };
}

/** One problem per duplicate sequence (at most `limit`, then a count): two events must never share one. */
export function duplicateProblems(duplicates: readonly DuplicateSequence[], limit = 20): string[] {
  const problems = duplicates
    .slice(0, limit)
    .map((duplicate) => `sequence ${duplicate.sequence} appears ${duplicate.weeks.length} times: weeks ${duplicate.weeks.join(', ')}`);
  if (duplicates.length > limit) problems.push(`… and ${duplicates.length - limit} more sequences appear more than once`);
  return problems;
}

/** Every sequence 1..through must appear exactly once. */
export function completenessOf(coverage: SequenceCoverage, through: number): CompletenessVerdict {
  const problems: string[] = [];
  const notes: string[] = [];
  const missing = gapsThrough(coverage.covered, through);
  if (missing.length > 0) {
    const above =
      coverage.highest === null
        ? ' (no event in the folder has a sequence)'
        : through > coverage.highest
          ? ` (${through} is above the highest sequence seen, ${coverage.highest})`
          : '';
    problems.push(`${plural(rangeSize(missing), 'sequence')} up to ${through} missing: ${formatRanges(missing)}${above}`);
    for (const week of coverage.unknownWeeks) {
      const events = week.records === null ? 'events' : plural(week.records, 'event');
      notes.push(
        `week ${week.startDate} (revision ${week.revision}, ${week.manifest}) has no ZIP in the folder: its ${events} are unknown and may hold missing sequences`,
      );
    }
    if (coverage.withoutSequence > 0)
      notes.push(
        `${plural(coverage.withoutSequence, 'event')} without a sequence (archives built before events had one) cannot fill the gaps`,
      );
  }
  const repeated = coverage.duplicates.filter((duplicate) => duplicate.sequence <= through);
  if (repeated.length > 0) {
    const listed = repeated.slice(0, 20).map((duplicate) => `${duplicate.sequence} (${duplicate.weeks.length}×)`);
    if (repeated.length > 20) listed.push(`… and ${repeated.length - 20} more`);
    const appear = repeated.length === 1 ? 'appears' : 'appear';
    problems.push(`${plural(repeated.length, 'sequence')} up to ${through} ${appear} more than once: ${listed.join(', ')}`);
  }
  return { through, ok: problems.length === 0, problems, notes };
}
