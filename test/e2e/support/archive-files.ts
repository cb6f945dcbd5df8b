/**
 * Weekly archive files in the service's format (docs/verifying-archives.md), written with fflate and
 * node:crypto independently of the Worker's writer, for the verifier's command-line tests.
 */
import { createHash } from 'node:crypto';
import { type Zippable, zipSync } from 'fflate';

const ORG = 'org_01KA0M0000000000000000CLI0';
const DAY_MS = 86_400_000;

export const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const dateOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** One week's archive files, in the service's format, chained to `previous`. */
export function weekArchive(startDate: string, sequences: number[], generatedAt: string, previous: string | null) {
  const startMs = Date.parse(`${startDate}T00:00:00Z`);
  const entries: Zippable = {};
  const files: { name: string; sha256: string; records: number }[] = [];
  for (let day = 0; day < 7; day += 1) {
    const events = sequences
      .filter((_, index) => index % 7 === day)
      .map((sequence) => {
        const timestamp = new Date(startMs + day * DAY_MS + sequence * 1000).toISOString();
        return {
          id: `ev-${sequence}`,
          organizationId: ORG,
          instanceId: null,
          timestamp,
          action: 'sync',
          actor: { type: 'user', id: 'alice@example.com', ip: '' },
          object: {
            type: 'argocd_application',
            id: { name: 'guestbook', kind: '', group: '' },
            parentId: { name: '', parentName: '', applicationName: '' },
          },
          details: { message: '', patch: '', actionType: '' },
          count: 1,
          lastOccurredTimestamp: timestamp,
          source: 'ingest',
          sourceKeyId: null,
          sequence,
        };
      });
    const text = events.length === 0 ? '[]\n' : `[\n${events.map((event) => JSON.stringify(event)).join(',\n')}\n]\n`;
    const bytes = new TextEncoder().encode(text);
    const name = `${dateOf(startMs + day * DAY_MS)}.json`;
    entries[name] = [bytes, { mtime: new Date(startMs + day * DAY_MS) }];
    files.push({ name, sha256: sha256(bytes), records: events.length });
  }
  const zip = zipSync(entries, { level: 6 });
  const manifest = {
    version: 1,
    organizationId: ORG,
    startDate,
    endDate: dateOf(startMs + 6 * DAY_MS),
    revision: 1,
    generatedAt,
    archive: { sha256: sha256(zip), bytes: zip.length, records: sequences.length },
    files,
    previousManifestSha256: previous,
  };
  return { zip, manifest: new TextEncoder().encode(`${JSON.stringify(manifest, null, 2)}\n`) };
}
