/** The manifest's raw Ed25519 signature, checked with WebCrypto against an SPKI PEM public key. */
import { bufferSource, sha256Hex } from './bytes.ts';
import { spkiPemToDer } from './pem.ts';
import type { VerifyReport } from './report.ts';
import { errorMessage } from './values.ts';

/** What a signature check needs; each part may be absent, which is reported or noted. */
export interface SignatureInput {
  manifest?: Uint8Array;
  signature?: Uint8Array;
  publicKeyPem?: string;
}

export async function checkSignature(input: SignatureInput, report: VerifyReport): Promise<void> {
  const { manifest, signature, publicKeyPem } = input;
  if (signature === undefined && publicKeyPem === undefined) {
    if (manifest !== undefined) report.notes.push('signature not checked: no signature and no public key given');
    return;
  }
  if (manifest === undefined) {
    report.problems.push('signature: a signature or public key was given but no manifest to verify it against');
    return;
  }
  if (signature === undefined) {
    report.problems.push('signature: a public key was given but no signature (<startDate>.sig) to check');
    return;
  }
  if (publicKeyPem === undefined) {
    report.notes.push('signature not checked: no public key given');
    return;
  }
  if (signature.length !== 64) {
    report.problems.push(`signature: expected a raw 64-byte Ed25519 signature, found ${signature.length} bytes`);
    return;
  }
  let key: CryptoKey;
  let fingerprint: string;
  try {
    const der = spkiPemToDer(publicKeyPem);
    fingerprint = (await sha256Hex(der)).slice(0, 16);
    key = await crypto.subtle.importKey('spki', der, { name: 'Ed25519' }, false, ['verify']);
  } catch (error) {
    report.problems.push(`public key: cannot be used as an Ed25519 SPKI key (${errorMessage(error)})`);
    return;
  }
  let valid = false;
  try {
    valid = await crypto.subtle.verify({ name: 'Ed25519' }, key, bufferSource(signature), bufferSource(manifest));
  } catch (error) {
    report.problems.push(`signature: verification failed with an error (${errorMessage(error)})`);
    return;
  }
  if (valid) report.checks.push(`signature: valid Ed25519 signature over the manifest's exact bytes (public key sha256 ${fingerprint}…)`);
  else
    report.problems.push(
      `signature: the Ed25519 signature does not match the manifest bytes under this public key (sha256 ${fingerprint}…) — the manifest was altered, the signature is wrong, or the key is not the signing key`,
    );
}
