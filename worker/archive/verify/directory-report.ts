/** What `verifyDirectory` hands back: per organization, the chain, each archive and the sequences covered. */

import type { ChainHashReport } from './manifest-chain-hash.ts';
import type { ChainReport, VerifyReport } from './report.ts';
import type { SequenceRange } from './sequence-ranges.ts';

export interface ArchiveVerdict {
  /** The name the archive's files share, e.g. `2026-11-16.rev2` for `2026-11-16.rev2.zip`. */
  stem: string;
  /** The files checked together, by name. */
  files: string[];
  /** From the manifest; null when it cannot be read. */
  startDate: string | null;
  revision: number | null;
  /** True when this archive's events count for the sequence coverage: the week's highest revision (its first copy). */
  counted: boolean;
  /** The higher revision of the same week that supersedes this one, if any. */
  supersededBy: number | null;
  /** False when only the manifest (and signature) are there, e.g. the ZIP expired under a retention policy. */
  hasZip: boolean;
  report: VerifyReport;
}

/** A sequence carried by more than one event, and the weeks that hold those events (one entry per event). */
export interface DuplicateSequence {
  sequence: number;
  weeks: string[];
}

/** A week whose highest revision has no ZIP in the folder, so its events are unknown. */
export interface UnknownWeek {
  startDate: string;
  revision: number;
  /** The manifest's file name. */
  manifest: string;
  /** Events the manifest says the week holds (null when it does not say). */
  records: number | null;
}

/** The sequences of the events in the highest revision of every week. */
export interface SequenceCoverage {
  /** Events counted: those in the highest revision of each week whose ZIP could be read. */
  events: number;
  /** Of those, the events with a valid sequence. */
  withSequence: number;
  /** Events with no sequence field (archives built before events had one). */
  withoutSequence: number;
  /** The highest sequence seen, or null when no event has one. */
  highest: number | null;
  /** The sequences seen, as runs. */
  covered: SequenceRange[];
  /** What is missing between 1 and `highest`. */
  gaps: SequenceRange[];
  /** Every sequence carried by more than one event. */
  duplicates: DuplicateSequence[];
  unknownWeeks: UnknownWeek[];
}

/** The `--complete-through N` verdict: every sequence 1..N exactly once. */
export interface CompletenessVerdict {
  through: number;
  ok: boolean;
  problems: string[];
  /** What might explain the problems: weeks without a ZIP, events without a sequence. */
  notes: string[];
}

export interface OrganizationReport {
  organizationId: string;
  ok: boolean;
  chain: ChainReport;
  /** By week, then revision. */
  archives: ArchiveVerdict[];
  coverage: SequenceCoverage;
  /** Problems across archives: duplicate sequences, a revision that lost events, two manifests for one revision. */
  problems: string[];
  notes: string[];
  /** Null unless a `completeThrough` was asked for. */
  completeness: CompletenessVerdict | null;
  /** The manifests' chainHash recomputed from the events (manifest-chain-hash.ts); its problems are in `problems` too. */
  chainHashes: ChainHashReport;
}

export interface DirectoryReport {
  ok: boolean;
  /** Problems no organization can be blamed for: unpaired files, unreadable manifests, no archive at all. */
  problems: string[];
  /** Ignored files, signatures not checked for want of a key. */
  notes: string[];
  /** By organization id. */
  organizations: OrganizationReport[];
  /** Archives whose manifest is missing or unreadable, verified on their own; they belong to no organization's report. */
  unplaced: ArchiveVerdict[];
}
