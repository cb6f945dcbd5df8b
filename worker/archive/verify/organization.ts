/**
 * All archives of one organization found in a folder: each verified on its own, all manifests as
 * one hash chain (every revision takes part), and the sequences of each week's highest revision.
 */
import { type FolderOptions, verifyArchiveFiles } from './archive-files-check.ts';
import { bytesEqual } from './bytes.ts';
import { verifyChain } from './chain.ts';
import type { Checkpoint } from './checkpoints.ts';
import type { ArchiveFiles } from './directory-files.ts';
import type { ArchiveVerdict, OrganizationReport, UnknownWeek } from './directory-report.ts';
import { type ChainHashWeek, checkManifestChainHashes } from './manifest-chain-hash.ts';
import type { ManifestPlacement } from './manifest-placement.ts';
import { completenessOf, coverageOf, duplicateProblems, type WeekSequences } from './sequence-coverage.ts';
import { formatRanges, missingFrom, rangeSize, sortedSequences } from './sequence-ranges.ts';

export interface PlacedArchive {
  files: ArchiveFiles;
  manifest: Uint8Array;
  placement: ManifestPlacement;
}

const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

// Longer than 80 lines: one pass over the organization's archives collects each one's verdict, its
// sequences and the chain hash inputs together, so every ZIP is read (and inflated) once.
export async function verifyOrganization(
  organizationId: string,
  archives: readonly PlacedArchive[],
  options: FolderOptions & { completeThrough?: number; checkpoints?: readonly Checkpoint[] },
): Promise<OrganizationReport> {
  const problems: string[] = [];
  const notes: string[] = [];
  // Highest revision first within each week, so its sequences are known when a lower one is compared with it.
  const byWeekHighestFirst = [...archives].sort(
    (a, b) =>
      compareText(a.placement.startDate, b.placement.startDate) ||
      b.placement.revision - a.placement.revision ||
      compareText(a.files.stem, b.files.stem),
  );
  const counted = new Map<string, PlacedArchive>();
  const countedSequences = new Map<string, Float64Array>();
  const verdicts: ArchiveVerdict[] = [];
  const weeks: WeekSequences[] = [];
  const unknownWeeks: UnknownWeek[] = [];
  const chainWeeks: ChainHashWeek[] = [];

  for (const archive of byWeekHighestFirst) {
    const { startDate, revision } = archive.placement;
    const top = counted.get(startDate) ?? archive;
    counted.set(startDate, top);
    const manifestName = archive.files.manifest?.name ?? `${archive.files.stem}.manifest.json`;
    if (top !== archive && top.placement.revision === revision) {
      // Two manifests for one revision: a copy is harmless, two different ones mean the week was built twice.
      const topName = top.files.manifest?.name ?? top.files.stem;
      if (bytesEqual(top.manifest, archive.manifest)) notes.push(`${manifestName} is a copy of ${topName}; its events are counted once`);
      else
        problems.push(
          `week ${startDate} revision ${revision}: ${topName} and ${manifestName} are different manifests for the same revision; only ${topName} counts for the sequences`,
        );
    }
    const { report, sequences } = await verifyArchiveFiles(archive.files, archive.manifest, options);
    verdicts.push({
      stem: archive.files.stem,
      files: [archive.files.zip, archive.files.manifest, archive.files.signature].flatMap((file) => (file ? [file.name] : [])),
      startDate,
      revision,
      counted: top === archive,
      supersededBy: top.placement.revision > revision ? top.placement.revision : null,
      hasZip: archive.files.zip !== null,
      report,
    });
    const sorted = sequences ? sortedSequences(sequences.sequences) : null;
    if (top === archive) {
      if (sequences && sorted) {
        weeks.push({ startDate, sequences: sorted, events: report.records, withoutSequence: sequences.withoutSequence });
        countedSequences.set(startDate, sorted);
        chainWeeks.push({ label: manifestName, chainHash: manifestChainHash(archive.manifest), ...sequences });
      } else unknownWeeks.push({ startDate, revision, manifest: manifestName, records: archive.placement.records });
      continue;
    }
    // A later revision holds every event of the earlier ones plus the late ones; losing one is a problem.
    const higher = countedSequences.get(startDate);
    if (sorted && higher && top.placement.revision > revision) {
      const lost = missingFrom(sorted, higher);
      if (lost.length > 0)
        problems.push(
          `week ${startDate}: revision ${revision} (${manifestName}) has ${rangeSize(lost)} ${rangeSize(lost) === 1 ? 'sequence' : 'sequences'} that revision ${top.placement.revision} lacks: ${formatRanges(lost)}`,
        );
    }
  }

  verdicts.sort(
    (a, b) => compareText(a.startDate ?? '', b.startDate ?? '') || (a.revision ?? 0) - (b.revision ?? 0) || compareText(a.stem, b.stem),
  );
  const byStem = [...archives].sort((a, b) => compareText(a.files.stem, b.files.stem));
  const chain = await verifyChain(
    byStem.map((archive) => archive.manifest),
    byStem.map((archive) => archive.files.manifest?.name ?? archive.files.stem),
  );
  const chainHashes = checkManifestChainHashes(chainWeeks, options.checkpoints);
  problems.push(...chainHashes.problems);
  const coverage = coverageOf(weeks, unknownWeeks);
  problems.push(...duplicateProblems(coverage.duplicates));
  const completeness = options.completeThrough === undefined ? null : completenessOf(coverage, options.completeThrough);
  const ok = chain.ok && verdicts.every((verdict) => verdict.report.ok) && problems.length === 0 && (completeness?.ok ?? true);
  return { organizationId, ok, chain, archives: verdicts, coverage, problems, notes, completeness, chainHashes };
}

/** The manifest's chainHash, when it is a manifest that has one (its format is checked elsewhere). */
function manifestChainHash(bytes: Uint8Array): string | null {
  try {
    const parsed: unknown = JSON.parse(new TextDecoder().decode(bytes));
    const value = typeof parsed === 'object' && parsed !== null ? (parsed as { chainHash?: unknown }).chainHash : undefined;
    return typeof value === 'string' ? value : null;
  } catch {
    return null;
  }
}
