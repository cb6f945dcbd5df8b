/**
 * Signed checkpoints as the verifier reads them (docs/verifying-archives.md, "A stream or export
 * copy"): the answer of `GET …/audit-log-checkpoints` saved as is (or one `{ "checkpoint" }`, or a
 * bare array), every signature checked with the archive public key over the RFC 8785 canonical
 * JSON of the checkpoint without `signature`, and the list checked as one linked, ascending chain
 * of one organization.
 */
import canonicalize from 'canonicalize';
import { bufferSource, sha256Hex } from './bytes.ts';
import { spkiPemToDer } from './pem.ts';
import { describeValue, errorMessage, isObject, type JsonObject } from './values.ts';

interface CheckpointLink {
  sequence: number;
  chainHash: string;
}

export interface Checkpoint extends CheckpointLink {
  organizationId: string;
  time: string;
  previousCheckpoint: CheckpointLink | null;
  signature: string;
  /** Every field but `signature`, exactly as read: what the signature covers. */
  signed: JsonObject;
}

/** A problem of the stream check; `sequence` is the first event sequence it affects, when known. */
export interface StreamProblem {
  sequence: number | null;
  /** When only a range is known (the chain differs at a checkpoint): its first and last sequence. */
  range?: [number, number];
  message: string;
}

export interface CheckpointsCheck {
  checkpoints: Checkpoint[];
  /** Those whose signature verifies: the only ones a copy's chain is compared with. */
  valid: Checkpoint[];
  problems: StreamProblem[];
  checks: string[];
  /** SHA-256 of the public key's DER bytes, hex (empty when the key could not be read). */
  fingerprint: string;
}

const HASH = /^[0-9a-f]{64}$/;
const isSequence = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

function parseLink(value: unknown): CheckpointLink | null | Error {
  if (value === null) return null;
  if (!isObject(value) || !isSequence(value.sequence) || typeof value.chainHash !== 'string' || !HASH.test(value.chainHash))
    return new Error(`previousCheckpoint must be null or { sequence, chainHash }, found ${describeValue(value)}`);
  return { sequence: value.sequence, chainHash: value.chainHash };
}

function parseOne(value: unknown, index: number): Checkpoint | Error {
  const where = `checkpoints[${index}]`;
  if (!isObject(value)) return new Error(`${where}: not an object`);
  const { organizationId, sequence, chainHash, time, signature } = value;
  if (typeof organizationId !== 'string' || organizationId === '')
    return new Error(`${where}.organizationId: found ${describeValue(organizationId)}`);
  if (!isSequence(sequence)) return new Error(`${where}.sequence: expected an integer ≥ 0, found ${describeValue(sequence)}`);
  if (typeof chainHash !== 'string' || !HASH.test(chainHash))
    return new Error(`${where}.chainHash: expected 64 lowercase hex, found ${describeValue(chainHash)}`);
  if (typeof time !== 'string' || Number.isNaN(Date.parse(time)))
    return new Error(`${where}.time: expected an RFC 3339 time, found ${describeValue(time)}`);
  if (typeof signature !== 'string') return new Error(`${where}.signature: expected base64, found ${describeValue(signature)}`);
  const previous = parseLink(value.previousCheckpoint);
  if (previous instanceof Error) return new Error(`${where}.${previous.message}`);
  const { signature: _, ...signed } = value;
  return { organizationId, sequence, chainHash, time, signature, previousCheckpoint: previous, signed };
}

/** The checkpoints of a saved answer: `{ "checkpoints": [...] }`, `{ "checkpoint": {...} }` or `[...]`. */
export function parseCheckpoints(text: string): Checkpoint[] | Error {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return new Error(`not JSON (${errorMessage(error)})`);
  }
  const list = Array.isArray(parsed)
    ? parsed
    : isObject(parsed) && Array.isArray(parsed.checkpoints)
      ? parsed.checkpoints
      : isObject(parsed) && isObject(parsed.checkpoint)
        ? [parsed.checkpoint]
        : null;
  if (list === null) return new Error('expected the answer of GET …/audit-log-checkpoints: { "checkpoints": [ … ] }');
  const checkpoints: Checkpoint[] = [];
  for (const [index, value] of list.entries()) {
    const checkpoint = parseOne(value, index);
    if (checkpoint instanceof Error) return checkpoint;
    checkpoints.push(checkpoint);
  }
  return checkpoints;
}

/** The raw signature bytes of base64 text, or null when it is not base64 of 64 bytes. */
function signatureBytes(text: string): Uint8Array<ArrayBuffer> | null {
  if (!/^[A-Za-z0-9+/]{86}==$/.test(text)) return null;
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let index = 0; index < binary.length; index += 1) bytes[index] = binary.charCodeAt(index);
  return bytes;
}

/** The UTF-8 bytes a checkpoint's signature covers: JCS of every field but `signature`. */
function checkpointSignedBytes(checkpoint: Pick<Checkpoint, 'signed'>): Uint8Array {
  return new TextEncoder().encode(canonicalize(checkpoint.signed) ?? '');
}

async function importKey(publicKeyPem: string): Promise<{ key: CryptoKey; fingerprint: string } | Error> {
  try {
    const der = spkiPemToDer(publicKeyPem);
    const key = await crypto.subtle.importKey('spki', der, { name: 'Ed25519' }, false, ['verify']);
    return { key, fingerprint: await sha256Hex(der) };
  } catch (error) {
    return new Error(`public key: cannot be used as an Ed25519 SPKI key (${errorMessage(error)})`);
  }
}

async function signatureValid(key: CryptoKey, checkpoint: Checkpoint): Promise<boolean> {
  const signature = signatureBytes(checkpoint.signature);
  if (signature === null) return false;
  try {
    return await crypto.subtle.verify({ name: 'Ed25519' }, key, signature, bufferSource(checkpointSignedBytes(checkpoint)));
  } catch {
    return false;
  }
}

/** The list's own rules: one organization, ascending sequences, each linked to the one listed before it. */
function listProblems(checkpoints: Checkpoint[]): StreamProblem[] {
  const problems: StreamProblem[] = [];
  const organization = checkpoints[0]?.organizationId;
  for (const [index, checkpoint] of checkpoints.entries()) {
    const at = `checkpoint at sequence ${checkpoint.sequence}`;
    if (checkpoint.organizationId !== organization)
      problems.push({ sequence: null, message: `${at}: organization ${checkpoint.organizationId}, the list's first is ${organization}` });
    const previous = checkpoints[index - 1];
    if (previous === undefined) {
      if (checkpoint.previousCheckpoint !== null && checkpoint.previousCheckpoint.sequence >= checkpoint.sequence)
        problems.push({
          sequence: null,
          message: `${at}: its previousCheckpoint (sequence ${checkpoint.previousCheckpoint.sequence}) is not before it`,
        });
      continue;
    }
    if (checkpoint.sequence <= previous.sequence)
      problems.push({ sequence: null, message: `${at}: listed after the checkpoint at sequence ${previous.sequence}, not ascending` });
    const link = checkpoint.previousCheckpoint;
    if (link === null || link.sequence !== previous.sequence || link.chainHash !== previous.chainHash)
      problems.push({
        sequence: null,
        message: `${at}: previousCheckpoint is ${describeValue(link)}, but the checkpoint listed before it is { sequence ${previous.sequence}, chainHash ${previous.chainHash} }: a checkpoint is missing or was replaced`,
      });
  }
  return problems;
}

/** Every checkpoint's signature under the key, and the list's order and links. */
export async function checkCheckpoints(checkpoints: Checkpoint[], publicKeyPem: string): Promise<CheckpointsCheck> {
  const report: CheckpointsCheck = { checkpoints, valid: [], problems: [], checks: [], fingerprint: '' };
  const imported = await importKey(publicKeyPem);
  if (imported instanceof Error) {
    report.problems.push({ sequence: null, message: imported.message });
    return report;
  }
  report.fingerprint = imported.fingerprint;
  let valid = 0;
  for (const checkpoint of checkpoints) {
    if (await signatureValid(imported.key, checkpoint)) {
      valid += 1;
      report.valid.push(checkpoint);
    } else
      report.problems.push({
        sequence: null,
        message: `checkpoint at sequence ${checkpoint.sequence} (${checkpoint.time}): the signature does not verify under this public key (sha256 ${imported.fingerprint.slice(0, 16)}…): forged, altered, or signed with another key`,
      });
  }
  if (checkpoints.length > 0 && valid === checkpoints.length)
    report.checks.push(
      `checkpoints: ${valid} signature${valid === 1 ? '' : 's'} valid (Ed25519 over the RFC 8785 canonical JSON without "signature")`,
    );
  const listed = listProblems(checkpoints);
  report.problems.push(...listed);
  if (checkpoints.length > 1 && listed.length === 0)
    report.checks.push(
      `checkpoints: ${checkpoints.length} of organization ${checkpoints[0]?.organizationId}, ascending, each linked to the one before it`,
    );
  return report;
}
