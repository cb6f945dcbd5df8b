/**
 * The whole `--stream` check: the checkpoints (signatures, order, links), then the copy's lines
 * through StreamVerifier, and the verdict as the lines the command prints.
 */
import { type Checkpoint, checkCheckpoints, parseCheckpoints, type StreamProblem } from './checkpoints.ts';
import { firstAffected, StreamVerifier } from './stream.ts';

export interface StreamVerification {
  ok: boolean;
  problems: StreamProblem[];
  checks: string[];
  notes: string[];
  events: number;
  firstSequence: number | null;
  lastSequence: number | null;
  verifiedThrough: Checkpoint | null;
  /** "4711", or "one of 4701–4800" when only the chain narrows it; null when no sequence is known. */
  firstAffected: string | null;
  /** SHA-256 of the public key's DER, hex: compare it with the one the service publishes. */
  publicKeyFingerprint: string;
}

export interface StreamInput {
  /** The checkpoints file's text. */
  checkpoints: string;
  publicKeyPem: string;
  /** The copy's lines, in file order. */
  lines: AsyncIterable<string> | Iterable<string>;
}

export async function verifyStream(input: StreamInput): Promise<StreamVerification> {
  const parsed = parseCheckpoints(input.checkpoints);
  const checkpoints = parsed instanceof Error ? [] : parsed;
  const checked = await checkCheckpoints(checkpoints, input.publicKeyPem);
  if (parsed instanceof Error) checked.problems.unshift({ sequence: null, message: `checkpoints: ${parsed.message}` });
  // A checkpoint whose signature fails proves nothing: the copy is compared only with the others.
  const verifier = new StreamVerifier(checked.valid);
  let lineNumber = 0;
  for await (const line of input.lines) {
    lineNumber += 1;
    verifier.line(line, lineNumber);
  }
  const report = verifier.finish();
  const problems = [...checked.problems, ...report.problems];
  return {
    ...report,
    ok: problems.length === 0,
    problems,
    checks: [...checked.checks, ...report.checks],
    firstAffected: firstAffected(problems),
    publicKeyFingerprint: checked.fingerprint,
  };
}

/** "10:00 UTC on 2026-11-24" of an RFC 3339 time. */
function checkpointTime(time: string): string {
  const iso = new Date(time).toISOString();
  return `${iso.slice(11, 16)} UTC on ${iso.slice(0, 10)}`;
}

/** At most this many problems are printed; the rest are counted. */
const MAX_PRINTED = 50;

/** The report as printed: checks, notes, problems, then the one-line verdict. */
export function streamReportLines(result: StreamVerification): string[] {
  const lines = result.checks.map((check) => `  ✓ ${check}`);
  lines.push(...result.notes.map((note) => `  ! ${note}`));
  lines.push(...result.problems.slice(0, MAX_PRINTED).map((problem) => `  ✗ ${problem.message}`));
  if (result.problems.length > MAX_PRINTED) lines.push(`  ✗ … and ${result.problems.length - MAX_PRINTED} more problems not listed`);
  const through = result.verifiedThrough;
  if (result.ok && through) {
    lines.push('', `VERIFIED: verified through sequence ${through.sequence} (checkpoint at ${checkpointTime(through.time)})`);
    return lines;
  }
  const count = `${result.problems.length} problem${result.problems.length === 1 ? '' : 's'}`;
  lines.push('', result.firstAffected === null ? `FAILED: ${count}` : `FAILED: ${count}; first sequence affected: ${result.firstAffected}`);
  return lines;
}
