/**
 * The manifests' `chainHash` (docs/INTEGRITY.md): chain(n) at the week's highest sequence n,
 * recomputed from the events of the folder's archives (each week's highest revision). The chain
 * runs over the organization's sequence, not over weeks (a late event of an older week takes a
 * later number), so the events of every week are put in one sequence order and the chain is
 * walked from genesis (when sequence 1 is there) or from another manifest's chainHash at the
 * sequence just before a run of present sequences. Manifests without chainHash (built before the
 * hash chain) are skipped; a chainHash the folder's events cannot reach is a note, not a problem.
 */
import { GENESIS_CHAIN_HASH, nextChainHash } from '../../events/content-hash.ts';

export interface ChainHashWeek {
  /** The manifest file's name, for messages. */
  label: string;
  /** The manifest's chainHash, or null when it has none. */
  chainHash: string | null;
  sequences: readonly number[];
  contentHashes: readonly string[];
}

export interface ChainHashReport {
  problems: string[];
  checks: string[];
  notes: string[];
}

export function checkManifestChainHashes(weeks: readonly ChainHashWeek[]): ChainHashReport {
  const report: ChainHashReport = { problems: [], checks: [], notes: [] };
  const hashes = new Map<number, string>();
  const claims = new Map<number, ChainHashWeek>();
  for (const week of weeks) {
    week.sequences.forEach((sequence, index) => {
      if (!hashes.has(sequence)) hashes.set(sequence, week.contentHashes[index] ?? '');
    });
    const highest = week.sequences.reduce((max, sequence) => Math.max(max, sequence), 0);
    if (week.chainHash !== null && highest > 0) claims.set(highest, week);
  }
  if (claims.size === 0) return report;
  let chain: string | null = null;
  let runStart = 0;
  let from = '';
  let previous = 0;
  for (const sequence of [...hashes.keys()].sort((a, b) => a - b)) {
    if (chain === null || sequence !== previous + 1) {
      const anchor = sequence === 1 ? GENESIS_CHAIN_HASH : (claims.get(sequence - 1)?.chainHash ?? null);
      chain = anchor;
      runStart = sequence;
      from = sequence === 1 ? 'genesis' : `the chainHash of ${claims.get(sequence - 1)?.label ?? '?'}`;
    }
    previous = sequence;
    if (chain === null) continue;
    chain = nextChainHash(chain, hashes.get(sequence) ?? '');
    const claim = claims.get(sequence);
    if (!claim) continue;
    claims.delete(sequence);
    if (claim.chainHash === chain) {
      report.checks.push(`${claim.label}: chainHash equals the chain recomputed over sequences ${runStart}..${sequence} from ${from}`);
      runStart = sequence + 1;
      from = `the chainHash of ${claim.label}`;
    } else {
      report.problems.push(
        `${claim.label}: chainHash differs from the chain recomputed over sequences ${runStart}..${sequence} from ${from}: an event in ${runStart}..${sequence} was altered, reordered, inserted or removed (the first sequence affected is at or after ${runStart})`,
      );
      // Go on from what the manifest says, so one bad week does not hide the next.
      chain = claim.chainHash;
      runStart = sequence + 1;
      from = `the chainHash of ${claim.label}`;
    }
  }
  for (const [sequence, claim] of claims)
    report.notes.push(`${claim.label}: chainHash at sequence ${sequence} not checked (the folder lacks events before it)`);
  return report;
}
