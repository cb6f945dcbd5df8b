/**
 * Where a manifest belongs in a folder: its organization, week and revision. Read leniently: the
 * manifest's full check is the archive verification's job; this only needs enough to group it.
 */
import { decodeUtf8 } from './bytes.ts';
import { isObject } from './values.ts';

export interface ManifestPlacement {
  organizationId: string;
  startDate: string;
  revision: number;
  /** `archive.records`, when it is a count. */
  records: number | null;
  /** `archive.sha256`, when it is a string. */
  archiveSha256: string | null;
}

/** The placement, or a reason why the manifest cannot be placed. */
export function placeManifest(bytes: Uint8Array): ManifestPlacement | string {
  const text = decodeUtf8(bytes);
  if (text instanceof Error) return text.message;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return 'not valid JSON';
  }
  if (!isObject(parsed)) return 'not a JSON object';
  const { organizationId, startDate, revision } = parsed;
  if (typeof organizationId !== 'string' || organizationId.length === 0) return 'no organizationId';
  if (typeof startDate !== 'string') return 'no startDate';
  if (typeof revision !== 'number' || !Number.isSafeInteger(revision) || revision < 1) return 'no revision ≥ 1';
  const archive = isObject(parsed.archive) ? parsed.archive : {};
  return {
    organizationId,
    startDate,
    revision,
    records: typeof archive.records === 'number' && Number.isSafeInteger(archive.records) ? archive.records : null,
    archiveSha256: typeof archive.sha256 === 'string' ? archive.sha256 : null,
  };
}
