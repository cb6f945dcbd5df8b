/** A folder report as the lines `npm run verify -- --dir` prints (✓ passed, ! note, ✗ problem). */
import type { ArchiveVerdict, DirectoryReport, OrganizationReport } from './directory-report.ts';
import type { ChainReport } from './report.ts';
import { formatRanges, rangeSize } from './sequence-ranges.ts';

const plural = (count: number, one: string, many = `${one}s`): string => `${count} ${count === 1 ? one : many}`;
const marked = (indent: string, mark: string, lines: readonly string[]): string[] => lines.map((line) => `${indent}${mark} ${line}`);

export function countProblems(report: DirectoryReport): number {
  const archiveProblems = (verdicts: readonly ArchiveVerdict[]) =>
    verdicts.reduce((total, verdict) => total + verdict.report.problems.length, 0);
  return (
    report.problems.length +
    archiveProblems(report.unplaced) +
    report.organizations.reduce(
      (total, organization) =>
        total +
        organization.chain.problems.length +
        archiveProblems(organization.archives) +
        organization.problems.length +
        (organization.completeness?.problems.length ?? 0),
      0,
    )
  );
}

function chainLines(chain: ChainReport, manifests: number): string[] {
  const lines =
    chain.problems.length === 0
      ? [`  ✓ manifest chain: ${plural(manifests, 'manifest')} in build order, linear, no fork, every link present`]
      : [`  ✗ manifest chain: ${plural(chain.problems.length, 'problem')}`, ...marked('      ', '✗', chain.problems)];
  return [...lines, ...marked('      ', '!', chain.notes)];
}

function archiveLines(verdict: ArchiveVerdict, stemWidth: number): string[] {
  const { report } = verdict;
  const week = verdict.startDate === null ? 'week unknown' : `week ${verdict.startDate} revision ${verdict.revision}`;
  const content = verdict.hasZip ? plural(report.records, 'event') : 'no ZIP, manifest and signature only';
  const standing =
    verdict.supersededBy !== null
      ? `, superseded by revision ${verdict.supersededBy}`
      : !verdict.counted && verdict.startDate !== null
        ? ', a second copy, not counted'
        : '';
  return [
    `  ${report.ok ? '✓' : '✗'} ${verdict.stem.padEnd(stemWidth)}  ${week}, ${content}${standing}`,
    ...marked('      ', '✗', report.problems),
    ...marked('      ', '!', report.notes),
  ];
}

function organizationLines(organization: OrganizationReport): string[] {
  const { archives, coverage, completeness } = organization;
  const weeks = new Set(archives.map((verdict) => verdict.startDate)).size;
  const stemWidth = Math.max(...archives.map((verdict) => verdict.stem.length));
  const lines = [
    '',
    `Organization ${organization.organizationId}: ${plural(archives.length, 'archive')} of ${plural(weeks, 'week')}`,
    ...chainLines(organization.chain, archives.length),
    ...archives.flatMap((verdict) => archiveLines(verdict, stemWidth)),
    `  sequences:  ${formatRanges(coverage.covered)}${coverage.withSequence > 0 ? ` (${plural(coverage.withSequence, 'event')} in the highest revision of each week)` : ''}`,
    `  gaps:       ${coverage.highest === null ? 'none (no sequence seen)' : `${formatRanges(coverage.gaps)}${coverage.gaps.length > 0 ? ` (${plural(rangeSize(coverage.gaps), 'sequence')} between 1 and ${coverage.highest})` : ''}`}`,
    `  duplicates: ${coverage.duplicates.length === 0 ? 'none' : plural(coverage.duplicates.length, 'sequence')}`,
    ...chainHashLines(organization.chainHashes),
  ];
  if (coverage.withoutSequence > 0)
    lines.push(`  without a sequence: ${plural(coverage.withoutSequence, 'event')} (archives built before events had one)`);
  if (coverage.unknownWeeks.length > 0)
    lines.push(
      `  unknown:    ${coverage.unknownWeeks.map((week) => `week ${week.startDate} (no ZIP${week.records === null ? '' : `, ${plural(week.records, 'event')}`})`).join(', ')}`,
    );
  lines.push(...marked('  ', '✗', organization.problems), ...marked('  ', '!', organization.notes));
  if (completeness) {
    lines.push(
      `  ${completeness.ok ? '✓' : '✗'} complete through ${completeness.through}: ${completeness.ok ? `every sequence 1–${completeness.through} exactly once` : 'no'}`,
      ...marked('      ', '✗', completeness.problems),
      ...marked('      ', '!', completeness.notes),
    );
  }
  return lines;
}

/** Everything but the header and the final verdict line, which the caller writes. */
export function directoryReportLines(report: DirectoryReport): string[] {
  const lines = [...marked('', '✗', report.problems), ...marked('', '!', report.notes)];
  for (const organization of report.organizations) lines.push(...organizationLines(organization));
  if (report.unplaced.length > 0) {
    const stemWidth = Math.max(...report.unplaced.map((verdict) => verdict.stem.length));
    lines.push('', 'Archives that belong to no organization (no readable manifest)');
    for (const verdict of report.unplaced) lines.push(...archiveLines(verdict, stemWidth));
  }
  return lines;
}

/** The manifests' chainHash recomputed from the events (its problems are listed with the organization's). */
function chainHashLines(report: OrganizationReport['chainHashes']): string[] {
  if (report.checks.length + report.problems.length + report.notes.length === 0 && !report.checkpoints) return [];
  return [
    ...(report.checkpoints ? [`  ✓ ${report.checkpoints}`] : []),
    `  chain hashes: ${plural(report.checks.length, 'manifest chainHash')} equal to the chain recomputed from the events${report.problems.length > 0 ? `, ${plural(report.problems.length, 'differing')}` : ''}`,
    ...marked('      ', '!', report.notes),
  ];
}
