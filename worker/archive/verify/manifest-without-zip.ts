/**
 * A manifest whose ZIP is gone (for instance deleted under a retention policy) still proves what
 * the week held and still links the hash chain, so its format and signature are checked on their own.
 */
import { checkManifest } from './manifest-check.ts';
import type { VerifyReport } from './report.ts';
import { checkSignature, type SignatureInput } from './signature.ts';
import { errorMessage } from './values.ts';

/** Verifies a manifest and its signature without the ZIP. Never throws. */
export async function verifyManifestWithoutZip(input: SignatureInput & { manifest: Uint8Array }): Promise<VerifyReport> {
  const report: VerifyReport = { ok: false, problems: [], checks: [], notes: [], records: 0 };
  try {
    checkManifest(input.manifest, report);
    await checkSignature(input, report);
    report.notes.push('no ZIP: only the manifest and its signature were checked; the events it lists are unknown');
  } catch (error) {
    report.problems.push(`verifier: unexpected error (${errorMessage(error)})`);
  }
  report.ok = report.problems.length === 0;
  return report;
}
