/**
 * Checks a list of signed checkpoints (the answer of GET …/audit-log-checkpoints, saved as is):
 * each one's shape, its Ed25519 signature under the archive public key, ascending order, one
 * organization, and that each `previousCheckpoint` is the checkpoint before it in the list. Pure
 * and runtime-agnostic (WebCrypto only), like the rest of this folder: the standalone verifier
 * bundles it. docs/INTEGRITY.md, "Checkpoints".
 */
import { base64ToBytes, type Checkpoint, type CheckpointLink, checkpointSignedBytes } from '../../events/checkpoint.ts';
import { bufferSource } from './bytes.ts';
import { spkiPemToDer } from './pem.ts';
import { describeValue, isObject } from './values.ts';

const HEX_64 = /^[0-9a-f]{64}$/;
const RFC3339_UTC_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** A finding, with the sequence it concerns when there is one. */
interface CheckpointProblem {
  sequence: number | null;
  message: string;
}

export interface CheckpointsCheck {
  /** The checkpoints whose shape and signature are valid, ascending. */
  valid: Checkpoint[];
  problems: CheckpointProblem[];
}

const isSequence = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;

function parseLink(value: unknown): CheckpointLink | null | string {
  if (value === null) return null;
  if (!isObject(value) || !isSequence(value.sequence) || typeof value.chainHash !== 'string' || !HEX_64.test(value.chainHash))
    return `previousCheckpoint is not null nor { sequence, chainHash }: ${describeValue(value)}`;
  return { sequence: value.sequence, chainHash: value.chainHash };
}

/** A checkpoint as JSON → the checkpoint, or why it is not one. */
function parseCheckpoint(value: unknown): Checkpoint | string {
  if (!isObject(value)) return `not an object: ${describeValue(value)}`;
  const { organizationId, sequence, chainHash, time, signature } = value;
  if (typeof organizationId !== 'string' || organizationId.length === 0) return 'organizationId is not a non-empty string';
  if (!isSequence(sequence)) return `sequence is not a non-negative integer: ${describeValue(sequence)}`;
  if (typeof chainHash !== 'string' || !HEX_64.test(chainHash)) return 'chainHash is not 64 lowercase hex digits';
  if (typeof time !== 'string' || !RFC3339_UTC_MS.test(time) || Number.isNaN(Date.parse(time)))
    return 'time is not RFC 3339 UTC with milliseconds';
  if (typeof signature !== 'string') return 'signature is not a string';
  const previousCheckpoint = parseLink(value.previousCheckpoint);
  if (typeof previousCheckpoint === 'string') return previousCheckpoint;
  return { organizationId, sequence, chainHash, time, previousCheckpoint, signature };
}

/** The archive public key (SPKI PEM of GET /api/v1/audit-logs-archives/public-key) for checkpoint checks. */
export async function checkpointVerificationKey(publicKeyPem: string): Promise<CryptoKey> {
  return crypto.subtle.importKey('spki', spkiPemToDer(publicKeyPem), { name: 'Ed25519' }, false, ['verify']);
}

/** Whether the checkpoint's signature is a valid Ed25519 signature of its canonical bytes under `key`. */
async function checkpointSignatureValid(checkpoint: Checkpoint, key: CryptoKey): Promise<boolean> {
  const signature = base64ToBytes(checkpoint.signature);
  if (signature === null || signature.length !== 64) return false;
  try {
    return await crypto.subtle.verify({ name: 'Ed25519' }, key, bufferSource(signature), checkpointSignedBytes(checkpoint));
  } catch {
    return false;
  }
}

/**
 * Every checkpoint of `values` (a list or `{ "checkpoints": [...] }`): shape, signature, order and
 * links. The first of the list may continue from a checkpoint that is not in it (a list read with
 * afterSequence); every later one must continue from the one before it.
 */
export async function checkCheckpoints(values: unknown, key: CryptoKey, organizationId?: string): Promise<CheckpointsCheck> {
  const list = isObject(values) && Array.isArray(values.checkpoints) ? values.checkpoints : values;
  const result: CheckpointsCheck = { valid: [], problems: [] };
  if (!Array.isArray(list)) {
    result.problems.push({ sequence: null, message: 'checkpoints: expected { "checkpoints": [...] } or a list' });
    return result;
  }
  let previous: Checkpoint | null = null;
  for (const [index, value] of list.entries()) {
    const checkpoint = parseCheckpoint(value);
    if (typeof checkpoint === 'string') {
      result.problems.push({ sequence: null, message: `checkpoint #${index + 1}: ${checkpoint}` });
      continue;
    }
    const at = `checkpoint at sequence ${checkpoint.sequence}`;
    const problem = (message: string) => result.problems.push({ sequence: checkpoint.sequence, message: `${at}: ${message}` });
    if (!(await checkpointSignatureValid(checkpoint, key))) {
      problem('the signature does not verify under this public key (forged, altered, or signed with another key)');
      continue;
    }
    const expectedOrganization = organizationId ?? previous?.organizationId;
    if (expectedOrganization !== undefined && checkpoint.organizationId !== expectedOrganization)
      problem(`belongs to organization ${checkpoint.organizationId}, not ${expectedOrganization}`);
    else if (previous && checkpoint.sequence <= previous.sequence) problem(`not after the checkpoint at sequence ${previous.sequence}`);
    else if (previous && !linksTo(checkpoint, previous))
      problem(
        `its previousCheckpoint (${describeLink(checkpoint.previousCheckpoint)}) is not the checkpoint before it (${describeLink(previous)}): a checkpoint is missing or was replaced`,
      );
    else if (!previous && checkpoint.previousCheckpoint && checkpoint.previousCheckpoint.sequence >= checkpoint.sequence)
      problem('its previousCheckpoint is not before it');
    else {
      result.valid.push(checkpoint);
      previous = checkpoint;
    }
  }
  return result;
}

function linksTo(checkpoint: Checkpoint, previous: CheckpointLink): boolean {
  const link = checkpoint.previousCheckpoint;
  return link !== null && link.sequence === previous.sequence && link.chainHash === previous.chainHash;
}

function describeLink(link: CheckpointLink | null): string {
  return link ? `sequence ${link.sequence}, chain ${link.chainHash.slice(0, 12)}…` : 'none';
}
