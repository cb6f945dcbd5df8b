/**
 * `--stream`: proves a copy of the record (stream pages or an NDJSON export, one event a line)
 * complete and unaltered up to the latest signed checkpoint (docs/verifying-archives.md):
 * - every sequence exactly once, ascending from the first line's;
 * - every event's contentHash recomputed (worker/events/content-hash.ts); a line that carries
 *   `contentHash` must carry that one;
 * - the hash chain, started at genesis (first sequence 1) or at the checkpoint just below the
 *   first line, equal to every checkpoint the copy covers, and no checkpoint beyond its end.
 * Fed one line at a time, so a copy of millions of events needs memory only for its checkpoints
 * and gaps. The checkpoints' signatures are checked before (checkpoints.ts).
 */
import { contentHashOf, GENESIS_CHAIN_HASH, nextChainHash } from '../../events/content-hash.ts';
import type { Checkpoint, StreamProblem } from './checkpoints.ts';
import { describeValue, errorMessage, isObject, type JsonObject } from './values.ts';

export interface StreamReport {
  problems: StreamProblem[];
  checks: string[];
  notes: string[];
  events: number;
  firstSequence: number | null;
  lastSequence: number | null;
  /** The last checkpoint the chain was found equal to. */
  verifiedThrough: Checkpoint | null;
}

/** A line holds one event, or one saved page of the stream (`{ "items": [ … ] }`). */
function eventsOfLine(text: string): JsonObject[] | Error {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return new Error(`not JSON (${errorMessage(error)})`);
  }
  if (isObject(parsed) && Array.isArray(parsed.items) && !('id' in parsed)) {
    const items = parsed.items as unknown[];
    return items.every(isObject) ? items : new Error('a page whose items are not all events');
  }
  return isObject(parsed) ? [parsed] : new Error(`not an event object: ${describeValue(parsed)}`);
}

interface ChainState {
  hash: string;
  /** The checkpoint (or genesis, 0) the chain last matched. */
  matchedAt: number;
}

export class StreamVerifier {
  private readonly bySequence = new Map<number, Checkpoint>();
  private readonly organizationId: string | undefined;
  private readonly report: StreamReport = {
    problems: [],
    checks: [],
    notes: [],
    events: 0,
    firstSequence: null,
    lastSequence: null,
    verifiedThrough: null,
  };
  /** The sequence the next line should have. */
  private expected = 0;
  /** Sequences found missing so far, as [from, to] runs (a late line fills one: out of order). */
  private readonly gaps: [number, number][] = [];
  /** Null once the chain cannot be followed (no start, or the sequence broke). */
  private chain: ChainState | null = null;
  private hashMismatches = 0;
  private orderProblems = 0;

  constructor(checkpoints: Checkpoint[]) {
    for (const checkpoint of checkpoints) this.bySequence.set(checkpoint.sequence, checkpoint);
    this.organizationId = checkpoints[0]?.organizationId;
  }

  /** One line of the file (1-based number); blank lines are skipped. */
  line(text: string, lineNumber: number): void {
    if (text.trim() === '') return;
    const events = eventsOfLine(text);
    if (events instanceof Error) {
      this.problem(this.expected || null, `line ${lineNumber}: ${events.message}`);
      this.chain = null;
      return;
    }
    for (const event of events) this.event(event, lineNumber);
  }

  private problem(sequence: number | null, message: string, range?: [number, number]): void {
    this.report.problems.push(range ? { sequence, range, message } : { sequence, message });
  }

  private start(sequence: number): void {
    this.report.firstSequence = sequence;
    this.expected = sequence;
    if (sequence === 1) {
      this.chain = { hash: GENESIS_CHAIN_HASH, matchedAt: 0 };
      return;
    }
    const below = this.bySequence.get(sequence - 1);
    if (below) this.chain = { hash: below.chainHash, matchedAt: below.sequence };
    else
      this.problem(
        sequence,
        `the file starts at sequence ${sequence}, but no checkpoint is at sequence ${sequence - 1}: the chain cannot be followed (start the copy at sequence 1, or at afterSequence= a checkpoint's sequence)`,
      );
  }

  private event(event: JsonObject, lineNumber: number): void {
    const sequence = event.sequence;
    if (typeof sequence !== 'number' || !Number.isSafeInteger(sequence) || sequence < 1) {
      this.problem(this.expected || null, `line ${lineNumber}: sequence must be an integer ≥ 1, found ${describeValue(sequence)}`);
      this.chain = null;
      return;
    }
    if (this.report.firstSequence === null) this.start(sequence);
    this.report.events += 1;
    const at = `sequence ${sequence} (line ${lineNumber})`;
    if (this.organizationId !== undefined && event.organizationId !== this.organizationId)
      this.problem(sequence, `${at}: organizationId ${describeValue(event.organizationId)}, the checkpoints' is ${this.organizationId}`);
    const contentHash = contentHashOf(event);
    if ('contentHash' in event && event.contentHash !== contentHash) {
      this.hashMismatches += 1;
      this.problem(
        sequence,
        `${at}: contentHash ${describeValue(event.contentHash)} differs from the hash of its content, ${contentHash}: the event was altered`,
      );
    }
    if (!this.inOrder(sequence, at)) return;
    this.report.lastSequence = sequence;
    if (this.chain) this.follow(this.chain, sequence, contentHash);
  }

  /** Whether `sequence` is the one expected; otherwise says why not (missing, out of order, twice). */
  private inOrder(sequence: number, at: string): boolean {
    if (sequence === this.expected) {
      this.expected += 1;
      return true;
    }
    this.chain = null;
    this.orderProblems += 1;
    if (sequence > this.expected) {
      const last = sequence - 1;
      const missing = last === this.expected ? `sequence ${last} is` : `sequences ${this.expected}–${last} are`;
      this.problem(this.expected, `${at}: ${missing} missing before it (deleted, or moved later in the file)`);
      this.gaps.push([this.expected, last]);
      this.expected = sequence + 1;
      this.report.lastSequence = sequence;
      return false;
    }
    const gap = this.gaps.find(([from, to]) => from <= sequence && sequence <= to);
    this.problem(
      sequence,
      gap
        ? `${at}: out of order, after sequence ${this.expected - 1} (events reordered)`
        : `${at}: appears a second time (an inserted or duplicated event)`,
    );
    return false;
  }

  private follow(chain: ChainState, sequence: number, contentHash: string): void {
    chain.hash = nextChainHash(chain.hash, contentHash);
    const checkpoint = this.bySequence.get(sequence);
    if (!checkpoint) return;
    if (checkpoint.chainHash === chain.hash) {
      chain.matchedAt = sequence;
      this.report.verifiedThrough = checkpoint;
      return;
    }
    const from = chain.matchedAt + 1;
    this.problem(
      from,
      `the chain at sequence ${sequence} is ${chain.hash}, the checkpoint of ${checkpoint.time} signed ${checkpoint.chainHash}: an event among sequences ${from}–${sequence} was altered, removed, inserted or moved (the chain matched ${chain.matchedAt === 0 ? 'genesis' : `the checkpoint at ${chain.matchedAt}`})`,
      [from, sequence],
    );
    this.chain = null;
  }

  /** The verdict once every line has been read. */
  finish(): StreamReport {
    const report = this.report;
    const { firstSequence, lastSequence } = report;
    if (firstSequence === null || lastSequence === null) {
      this.problem(null, 'the file holds no event');
      return report;
    }
    if (this.orderProblems === 0)
      report.checks.push(`sequences: ${report.events} events, ${firstSequence}–${lastSequence}, each once, in order`);
    if (this.hashMismatches === 0) report.checks.push('content hashes: recomputed for every event (RFC 8785 JSON, SHA-256)');
    const beyond = [...this.bySequence.keys()].filter((sequence) => sequence > lastSequence).sort((a, b) => a - b);
    const latest = beyond.at(-1);
    if (latest !== undefined)
      this.problem(
        lastSequence + 1,
        `the file ends at sequence ${lastSequence}, but a checkpoint is at sequence ${latest}: sequences ${lastSequence + 1}–${latest} are missing (save the checkpoints first, then read the stream to its end)`,
      );
    const verified = report.verifiedThrough;
    if (verified === null && report.problems.length === 0)
      this.problem(
        null,
        `no checkpoint lies within sequences ${firstSequence}–${lastSequence}: nothing in the file is proven by a signature (POST …/audit-log-checkpoints makes one)`,
      );
    if (verified !== null && report.problems.length === 0) {
      report.checks.push(`chain: equal to every signed checkpoint from sequence ${firstSequence} through ${verified.sequence}`);
      if (lastSequence > verified.sequence)
        report.notes.push(
          `sequences ${verified.sequence + 1}–${lastSequence} are after the latest checkpoint: hashed and in order, not yet proven by a signature`,
        );
    }
    return report;
  }
}

/** The first sequence a report's problems affect, as text: one number, or a range the chain narrows it to. */
export function firstAffected(problems: StreamProblem[]): string | null {
  const exact = problems.filter((problem) => problem.sequence !== null && !problem.range).map((problem) => problem.sequence ?? 0);
  const lowest = exact.length > 0 ? Math.min(...exact) : Number.POSITIVE_INFINITY;
  const ranges = problems
    .flatMap((problem) => (problem.range ? [problem.range] : []))
    .filter(([from, to]) => from < lowest && !exact.some((sequence) => from <= sequence && sequence <= to));
  const range = ranges.sort((a, b) => a[0] - b[0])[0];
  if (range) return range[0] === range[1] ? String(range[0]) : `one of ${range[0]}–${range[1]}`;
  return Number.isFinite(lowest) ? String(lowest) : null;
}
