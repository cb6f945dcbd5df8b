/**
 * The hash chain of one organization's manifests: in build order (any week, any revision), each
 * names the sha256 of the exact bytes of the manifest built before it; the first names null.
 */
import { decodeUtf8, sha256Hex } from './bytes.ts';
import { parseTimestamp } from './dates.ts';
import { SHA256_HEX } from './manifest-check.ts';
import type { ChainReport } from './report.ts';
import { describeValue, errorMessage, isObject } from './values.ts';

interface ChainLink {
  label: string;
  sha256: string;
  organizationId: string | null;
  startDate: string;
  revision: number | null;
  generatedAt: number;
  previous: string | null;
}

/**
 * Checks the hash chain of one organization's manifests (any weeks and revisions): ordered by
 * generatedAt, each previousManifestSha256 must be the sha256 of the exact bytes of the manifest
 * generated just before it; one organization; no fork (two manifests claiming the same
 * predecessor). The first one's predecessor may be null, or outside the given set (a note).
 * `labels` (e.g. file names) name the manifests in messages. Never throws.
 */
export async function verifyChain(manifests: readonly Uint8Array[], labels: readonly string[] = []): Promise<ChainReport> {
  const report: ChainReport = { ok: false, problems: [], checks: [], notes: [] };
  try {
    await verifyChainInto(manifests, labels, report);
  } catch (error) {
    report.problems.push(`chain: unexpected error (${errorMessage(error)})`);
  }
  report.ok = report.problems.length === 0;
  return report;
}

async function verifyChainInto(manifests: readonly Uint8Array[], labels: readonly string[], report: ChainReport): Promise<void> {
  const { links, byHash } = await readLinks(manifests, labels, report);
  if (links.length === 0) {
    report.problems.push('chain: no readable manifest given');
    return;
  }
  checkOneOrganization(links, report);
  checkForks(links, byHash, report);
  const ordered = inGenerationOrder(links);
  checkLinks(ordered, byHash, report);
  checkRevisions(ordered, report);
}

/** Each readable manifest as a link, once per distinct file (by sha256); unreadable ones are problems. */
async function readLinks(manifests: readonly Uint8Array[], labels: readonly string[], report: ChainReport) {
  const links: ChainLink[] = [];
  const byHash = new Map<string, ChainLink>();
  for (const [index, bytes] of manifests.entries()) {
    const link = await readLink(bytes, labels[index] ?? `manifest #${index + 1}`, report);
    if (!link) continue;
    const duplicate = byHash.get(link.sha256);
    if (duplicate) {
      report.notes.push(`chain: ${link.label} is the same file as ${duplicate.label}; counted once`);
      continue;
    }
    byHash.set(link.sha256, link);
    links.push(link);
  }
  return { links, byHash };
}

/** One manifest's place in the chain, or null (and a problem) when it cannot be placed. */
async function readLink(bytes: Uint8Array, given: string, report: ChainReport): Promise<ChainLink | null> {
  const text = decodeUtf8(bytes);
  let parsed: unknown;
  try {
    if (text instanceof Error) throw text;
    parsed = JSON.parse(text);
  } catch (error) {
    report.problems.push(`chain: ${given} cannot be read (${errorMessage(error)})`);
    return null;
  }
  if (!isObject(parsed)) {
    report.problems.push(`chain: ${given} is not a JSON object`);
    return null;
  }
  const startDate = typeof parsed.startDate === 'string' ? parsed.startDate : '?';
  const revision = typeof parsed.revision === 'number' ? parsed.revision : null;
  const label = `${given} (${startDate} r${revision ?? '?'})`;
  const generatedAt = parseTimestamp(parsed.generatedAt);
  const previous = parsed.previousManifestSha256;
  if (generatedAt === null) {
    report.problems.push(
      `chain: ${label}: generatedAt ${describeValue(parsed.generatedAt)} is not an RFC 3339 timestamp, so it cannot be placed in the chain`,
    );
    return null;
  }
  if (previous !== null && (typeof previous !== 'string' || !SHA256_HEX.test(previous))) {
    report.problems.push(
      `chain: ${label}: previousManifestSha256 must be null or 64 lowercase hex digits, found ${describeValue(previous)}`,
    );
    return null;
  }
  const organizationId = typeof parsed.organizationId === 'string' ? parsed.organizationId : null;
  return { label, sha256: await sha256Hex(bytes), organizationId, startDate, revision, generatedAt, previous };
}

function checkOneOrganization(links: ChainLink[], report: ChainReport): void {
  const organizations = new Set(links.map((link) => link.organizationId));
  if (organizations.size === 1 && links[0]?.organizationId !== null) {
    report.checks.push(`chain: all ${links.length} manifests belong to organization ${links[0]?.organizationId}`);
  } else {
    report.problems.push(
      `chain: the manifests belong to different organizations: ${links.map((link) => `${link.label}: ${describeValue(link.organizationId)}`).join('; ')}`,
    );
  }
}

/** Forks: two manifests claiming the same predecessor (or two chain starts). */
function checkForks(links: ChainLink[], byHash: Map<string, ChainLink>, report: ChainReport): void {
  const byPrevious = new Map<string, ChainLink[]>();
  for (const link of links) {
    const key = link.previous ?? 'null';
    byPrevious.set(key, [...(byPrevious.get(key) ?? []), link]);
  }
  for (const [previous, claimants] of byPrevious) {
    if (claimants.length < 2) continue;
    const who = claimants.map((link) => link.label).join(', ');
    const all = claimants.length === 2 ? 'both' : 'all';
    if (previous === 'null')
      report.problems.push(`chain: fork — ${who} ${all} have previousManifestSha256 null (more than one chain start)`);
    else
      report.problems.push(
        `chain: fork — ${who} ${all} claim previousManifestSha256 ${previous}${byHash.has(previous) ? ` (${byHash.get(previous)?.label})` : ''}`,
      );
  }
}

/** Links in generatedAt order (ties broken by the links themselves). */
function inGenerationOrder(links: ChainLink[]): ChainLink[] {
  return [...links].sort((a, b) => {
    if (a.generatedAt !== b.generatedAt) return a.generatedAt - b.generatedAt;
    if (b.previous === a.sha256) return -1;
    if (a.previous === b.sha256) return 1;
    return 0;
  });
}

/** Each link, in generatedAt order, must point at the one generated just before it; the first at null. */
function checkLinks(ordered: ChainLink[], byHash: Map<string, ChainLink>, report: ChainReport): void {
  for (const [index, link] of ordered.entries()) {
    const before = index > 0 ? ordered[index - 1] : undefined;
    if (!before) checkChainStart(link, byHash, report);
    else if (link.previous === before.sha256) {
      report.checks.push(`chain: ${link.label} → ${before.label} (sha256 ${before.sha256.slice(0, 16)}…)`);
    } else if (link.previous === null) {
      report.problems.push(
        `chain: broken link — ${link.label} has previousManifestSha256 null, but ${before.label} (sha256 ${before.sha256}) was generated before it`,
      );
    } else if (byHash.has(link.previous)) {
      report.problems.push(
        `chain: broken link — ${link.label} points to ${byHash.get(link.previous)?.label}, but the manifest generated just before it is ${before.label} (sha256 ${before.sha256})`,
      );
    } else {
      report.problems.push(
        `chain: broken link — ${link.label} has previousManifestSha256 ${link.previous}, expected ${before.sha256} (sha256 of ${before.label}, generated just before it); no given manifest has that hash (altered predecessor, or one missing from the given set)`,
      );
    }
  }
}

/** The earliest generated manifest starts the chain, or continues one that begins outside the given set. */
function checkChainStart(link: ChainLink, byHash: Map<string, ChainLink>, report: ChainReport): void {
  if (link.previous === null) report.checks.push(`chain: ${link.label} starts the chain (previousManifestSha256 null)`);
  else if (byHash.has(link.previous)) {
    report.problems.push(
      `chain: ${link.label}, the earliest generated, points to ${byHash.get(link.previous)?.label}, which was generated after it`,
    );
  } else
    report.notes.push(
      `chain starts outside the given manifests: ${link.label} (the earliest given) points to ${link.previous}, which is not among them`,
    );
}

/** Revisions of one week must grow with generatedAt. */
function checkRevisions(ordered: ChainLink[], report: ChainReport): void {
  const lastRevision = new Map<string, ChainLink>();
  for (const link of ordered) {
    const earlier = lastRevision.get(link.startDate);
    if (earlier && link.revision !== null && earlier.revision !== null && link.revision <= earlier.revision) {
      report.problems.push(`chain: ${link.label} was generated after ${earlier.label} but its revision is not higher`);
    }
    lastRevision.set(link.startDate, link);
  }
}
