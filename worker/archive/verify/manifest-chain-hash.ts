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
  /** One a manifest whose chainHash matched. */
  checks: string[];
  notes: string[];
  /** The signed checkpoints the recomputed chain matched, when any was given and matched. */
  checkpoints?: string;
}

interface Claim {
  label: string;
  chainHash: string;
  checkpoint: boolean;
}

/**
 * `checkpoints` (signature-checked, of this organization): signed chain hashes too, compared and
 * used as anchors like the manifests', so an archive built from events altered after a checkpoint
 * signed them fails here even when its own manifest agrees with its events.
 */
export function checkManifestChainHashes(
  weeks: readonly ChainHashWeek[],
  checkpoints: readonly { sequence: number; chainHash: string }[] = [],
): ChainHashReport {
  const report: ChainHashReport = { problems: [], checks: [], notes: [] };
  const hashes = new Map<number, string>();
  const claims = new Map<number, Claim[]>();
  const claim = (sequence: number, value: Claim) => claims.set(sequence, [...(claims.get(sequence) ?? []), value]);
  for (const week of weeks) {
    week.sequences.forEach((sequence, index) => {
      if (!hashes.has(sequence)) hashes.set(sequence, week.contentHashes[index] ?? '');
    });
    const highest = week.sequences.reduce((max, sequence) => Math.max(max, sequence), 0);
    if (week.chainHash !== null && highest > 0) claim(highest, { label: week.label, chainHash: week.chainHash, checkpoint: false });
  }
  for (const { sequence, chainHash } of checkpoints)
    if (sequence > 0) claim(sequence, { label: `the checkpoint at sequence ${sequence}`, chainHash, checkpoint: true });
  if (claims.size === 0) return report;
  let chain: string | null = null;
  let runStart = 0;
  let from = '';
  let previous = 0;
  const matchedCheckpoints: number[] = [];
  for (const sequence of [...hashes.keys()].sort((a, b) => a - b)) {
    if (chain === null || sequence !== previous + 1) {
      const anchor = claims.get(sequence - 1)?.[0];
      chain = sequence === 1 ? GENESIS_CHAIN_HASH : (anchor?.chainHash ?? null);
      runStart = sequence;
      from = sequence === 1 ? 'genesis' : `the chainHash of ${anchor?.label ?? '?'}`;
    }
    previous = sequence;
    if (chain === null) continue;
    chain = nextChainHash(chain, hashes.get(sequence) ?? '');
    const here = claims.get(sequence);
    if (!here) continue;
    claims.delete(sequence);
    const differing = here.filter((one) => one.chainHash !== chain);
    for (const one of here.filter((one) => one.chainHash === chain)) {
      if (one.checkpoint) matchedCheckpoints.push(sequence);
      else report.checks.push(`${one.label}: chainHash equals the chain recomputed over sequences ${runStart}..${sequence} from ${from}`);
    }
    for (const one of differing)
      report.problems.push(
        `${one.label}: chainHash differs from the chain recomputed over sequences ${runStart}..${sequence} from ${from}: an event in ${runStart}..${sequence} was altered, reordered, inserted or removed (the first sequence affected is at or after ${runStart})`,
      );
    // Go on from a signed statement (a differing one when none agrees), so one bad week does not hide the next.
    const next = here.find((one) => one.chainHash === chain) ?? differing[0];
    chain = next?.chainHash ?? chain;
    runStart = sequence + 1;
    from = `the chainHash of ${next?.label ?? '?'}`;
  }
  if (matchedCheckpoints.length > 0)
    report.checkpoints = `checkpoints: the chain recomputed from the archives' events equals ${matchedCheckpoints.length} signed checkpoint${matchedCheckpoints.length === 1 ? '' : 's'} (sequences ${matchedCheckpoints[0]}..${matchedCheckpoints.at(-1)})`;
  let unreached = 0;
  for (const [sequence, list] of claims)
    for (const one of list) {
      if (one.checkpoint) unreached += 1;
      else report.notes.push(`${one.label}: chainHash at sequence ${sequence} not checked (the folder lacks events before it)`);
    }
  if (unreached > 0) report.notes.push(`checkpoints: ${unreached} not compared (the folder lacks events before or up to them)`);
  return report;
}
