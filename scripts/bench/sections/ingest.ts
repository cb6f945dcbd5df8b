/**
 * Ingest section: the API's events/s in batches of 100 and 1,000 from four clients, beside raw
 * batched D1 INSERTs of the same rows in the same runtime (raw-insert-worker.ts, no API).
 */
import autocannon from 'autocannon';
import { type BenchRun, DAY, freshDir } from '../bench-run.ts';
import { type BenchOrg, DatasetWriter } from '../dataset.ts';
import { benchRows, ingestLoad } from '../rows.ts';
import { applyMigrations, type BenchServer, startServer } from '../server.ts';

const RAW_CONFIG = 'scripts/bench/raw-insert.wrangler.toml';

export async function ingestSection(run: BenchRun): Promise<void> {
  const { now } = run;
  const apiDir = freshDir('ingest-api');
  applyMigrations(apiDir);
  const writer = new DatasetWriter(apiDir);
  const org = writer.organization('ingest', now);
  const keys = [org.ownerKey, ...[1, 2, 3].map((index) => writer.apiKey(org, `ingest${index}`, 'ingest'))];
  writer.close();
  const server = await startServer(apiDir, 8791);
  const rawDir = freshDir('ingest-raw');
  applyMigrations(rawDir, RAW_CONFIG);
  const rawWriter = new DatasetWriter(rawDir, RAW_CONFIG);
  const rawOrg = rawWriter.organization('ingest', now);
  rawWriter.close();
  const raw = await startServer(rawDir, 8792, RAW_CONFIG);
  try {
    const rawInserts = new RawInserts(raw, rawOrg);
    let seed = 1;
    for (const batch of [100, 1000]) {
      const total = run.sizes.ingest;
      const rows = [...benchRows(org.id, org.instanceIds, total, now - 20 * DAY, now - DAY, seed++)];
      const result = await autocannon(ingestLoad(`${server.url}/api/v1/organizations/${org.id}/audit-logs`, rows, batch, keys));
      if (result.non2xx > 0 || result.errors > 0)
        run.notes.push(`ingest batch ${batch}: ${result.non2xx} non-2xx, ${result.errors} errors`);
      const apiRate = (result.requests.total * batch) / (result.duration || 1);
      const rates = await rawInserts.rates(total, batch, now, seed++);
      addIngestFigures(run, batch, apiRate, rates);
    }
  } finally {
    await server.stop();
    await raw.stop();
  }
}

/** The raw baseline: the same rows, batched D1 inserts in the same runtime, no API. */
class RawInserts {
  private readonly server: BenchServer;
  private readonly org: BenchOrg;
  private sequence = 0;

  constructor(server: BenchServer, org: BenchOrg) {
    this.server = server;
    this.org = org;
  }

  /** Rows per second with one-row and with four-row INSERT statements, in batches of `batch`. */
  async rates(total: number, batch: number, now: number, seed: number): Promise<{ single: number; multi: number }> {
    const rawRows = [...benchRows(this.org.id, this.org.instanceIds, total, now - 20 * DAY, now - DAY, seed)];
    const rates = { single: 0, multi: 0 };
    for (const mode of ['single', 'multi'] as const) {
      let rawMs = 0;
      const modeRows = rawRows.map((row) => ({
        ...row,
        id: `${row.id}-${mode}-${batch}`,
        org_key: this.org.key,
        sequence: ++this.sequence,
      }));
      for (let start = 0; start < modeRows.length; start += batch) {
        const response = await fetch(this.server.url, {
          method: 'POST',
          body: JSON.stringify({ mode, rows: modeRows.slice(start, start + batch) }),
        });
        const body = (await response.json()) as { ms: number };
        rawMs += body.ms;
      }
      rates[mode] = modeRows.length / (rawMs / 1000);
    }
    return rates;
  }
}

function addIngestFigures(run: BenchRun, batch: number, apiRate: number, rates: { single: number; multi: number }): void {
  const best = Math.max(rates.single, rates.multi);
  run.add({
    section: 'Ingest',
    name: `API events/s, batches of ${batch}, 4 clients`,
    value: apiRate,
    unit: 'events/s',
    baselineName: `raw D1 batch (${rates.multi >= rates.single ? '4-row' : '1-row'} INSERTs)`,
    baseline: best,
    goal: '≥ 0.5× raw',
    pass: apiRate >= 0.5 * best,
  });
  run.add({
    section: 'Ingest',
    name: `raw D1 1-row INSERT statements, batches of ${batch}`,
    value: rates.single,
    unit: 'rows/s',
    baselineName: 'raw 4-row INSERTs',
    baseline: rates.multi,
    goal: '',
    pass: null,
  });
}
