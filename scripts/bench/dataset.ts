import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { benchRows, type BenchRow } from './rows.ts';

/** The SQLite file behind the local D1 binding of a `--persist-to` directory. */
export function d1File(persistDir: string): string {
  const dir = join(persistDir, 'v3', 'd1', 'miniflare-D1DatabaseObject');
  const file = readdirSync(dir).find((name) => name.endsWith('.sqlite') && name !== 'metadata.sqlite');
  if (!file) throw new Error(`no D1 database under ${dir}`);
  return join(dir, file);
}

export interface BenchOrg {
  id: string;
  /** Its key in the events table (organization_sequences.org_key), once written. */
  key: number;
  ownerKey: string;
  instanceIds: string[];
}

/** The ids and owner key the generator gives an organization (so a kept dataset can be reused). */
export function benchOrg(label: string): Omit<BenchOrg, 'key'> {
  return {
    id: `org_bench_${label}`,
    ownerKey: `alk_bench_${label}_${'k'.repeat(20)}`,
    instanceIds: [`inst_bench_${label}_argo`, `inst_bench_${label}_kargo`],
  };
}

const COLUMNS = [
  'id',
  'instance_id',
  'timestamp',
  'received_at',
  'action',
  'actor_type',
  'actor_id',
  'actor_ip',
  'object_type',
  'object_name',
  'object_kind',
  'object_group',
  'parent_name',
  'parent_parent_name',
  'parent_application_name',
  'details_message',
  'details_patch',
  'details_action_type',
  'details_json',
  'content_hash',
  'source',
  'source_key_id',
] as const;

/** The hash travels as hex; the table stores its bytes. */
export const placeholder = (column: string) => (column === 'content_hash' ? 'unhex(?)' : '?');

/**
 * Writes organizations, owners, keys and events straight into the local D1 file (before the server
 * starts): far faster than the API for millions of rows; the schema's triggers (event_weeks) still run.
 */
export class DatasetWriter {
  private readonly db: DatabaseSync;

  constructor(file: string) {
    this.db = new DatabaseSync(file);
    this.db.exec('PRAGMA synchronous = OFF');
  }

  organization(label: string, now: number): BenchOrg {
    const { id, ownerKey, instanceIds } = benchOrg(label);
    const userId = `usr_bench_${label}`;
    this.db.prepare('INSERT INTO organizations (id, name, created_at) VALUES (?, ?, ?)').run(id, `Bench ${label}`, now);
    this.db
      .prepare('INSERT INTO users (id, email, name, created_at) VALUES (?, ?, ?, ?)')
      .run(userId, `owner-${label}@bench.test`, `Owner ${label}`, now);
    this.db.prepare("INSERT INTO memberships (organization_id, user_id, role, created_at) VALUES (?, ?, 'owner', ?)").run(id, userId, now);
    this.db
      .prepare(
        "INSERT INTO api_keys (id, organization_id, user_id, name, role, secret_hash, prefix, created_at) VALUES (?, ?, ?, 'bench', 'owner', ?, ?, ?)",
      )
      .run(`key_bench_${label}`, id, userId, createHash('sha256').update(ownerKey).digest('hex'), ownerKey.slice(0, 12), now);
    instanceIds.forEach((instanceId, index) =>
      this.db
        .prepare('INSERT INTO instances (id, organization_id, type, name, created_at) VALUES (?, ?, ?, ?, ?)')
        .run(instanceId, id, index === 0 ? 'argocd' : 'kargo', `bench-${index}`, now),
    );
    this.db.prepare('INSERT INTO organization_sequences (organization_id) VALUES (?)').run(id);
    const { key } = this.db.prepare('SELECT org_key AS key FROM organization_sequences WHERE organization_id = ?').get(id) as {
      key: number;
    };
    return { id, key, ownerKey, instanceIds };
  }

  /** An organization written by an earlier run (--reuse). */
  existing(label: string): BenchOrg {
    const org = benchOrg(label);
    const row = this.db.prepare('SELECT org_key AS key FROM organization_sequences WHERE organization_id = ?').get(org.id) as
      | { key: number }
      | undefined;
    if (!row) throw new Error(`${org.id} is not in the kept dataset: run without --reuse`);
    return { ...org, key: row.key };
  }

  /** Another key of the organization (its owner's), returned as its secret. */
  apiKey(org: BenchOrg, label: string, role: 'owner' | 'ingest'): string {
    const secret = `alk_bench_${label}_${'s'.repeat(20)}`;
    const owner = org.id.replace('org_bench_', 'usr_bench_');
    this.db
      .prepare(
        'INSERT INTO api_keys (id, organization_id, user_id, name, role, secret_hash, prefix, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(
        `key_bench_${label}`,
        org.id,
        owner,
        label,
        role,
        createHash('sha256').update(secret).digest('hex'),
        secret.slice(0, 12),
        Date.now(),
      );
    return secret;
  }

  /**
   * Events as the Worker stores them: the next sequence numbers of the organization, the
   * organization-scoped search text, and the organization's sequence counter.
   */
  events(org: BenchOrg, count: number, fromMs: number, toMs: number, seed: number): number {
    const insert = this.db.prepare(
      `INSERT INTO audit_events (${COLUMNS.join(', ')}, org_key, sequence) VALUES (${COLUMNS.map(placeholder).join(', ')}, ?, ?)`,
    );
    const index = this.db.prepare('INSERT INTO audit_events_search (rowid, body) VALUES (last_insert_rowid(), ?)');
    const { key, last } = this.db
      .prepare('SELECT org_key AS key, last_sequence AS last FROM organization_sequences WHERE organization_id = ?')
      .get(org.id) as { key: number; last: number };
    let sequence = last;
    const started = performance.now();
    let written = 0;
    this.db.exec('BEGIN');
    for (const row of benchRows(org.id, org.instanceIds, count, fromMs, toMs, seed)) {
      sequence += 1;
      insert.run(...COLUMNS.map((column) => row[column as keyof BenchRow]), key, sequence);
      index.run(row.search_body);
      written += 1;
      if (written % 20_000 === 0) {
        this.db.exec('COMMIT');
        this.db.exec('BEGIN');
      }
    }
    this.db.prepare('UPDATE organization_sequences SET last_sequence = ? WHERE organization_id = ?').run(sequence, org.id);
    this.db.exec('COMMIT');
    return written / ((performance.now() - started) / 1000);
  }

  /**
   * Triggers filled event_weeks while the events went in, which makes every generated week due for
   * archiving. The benchmark archives two chosen weeks itself, so nothing else may be due.
   */
  nothingDue(): void {
    this.db.exec('UPDATE event_weeks SET last_received_at = -2');
  }

  /** Bytes of the whole database file per event row (table, indexes and FTS index included). */
  bytesPerEvent(): { bytes: number; events: number } {
    const pages = this.db.prepare('PRAGMA page_count').get() as { page_count: number };
    const size = this.db.prepare('PRAGMA page_size').get() as { page_size: number };
    const events = this.db.prepare('SELECT count(*) AS n FROM audit_events').get() as { n: number };
    return { bytes: pages.page_count * size.page_size, events: events.n };
  }

  query<T>(sql: string, params: (string | number | null)[] = []): T[] {
    return this.db.prepare(sql).all(...params) as T[];
  }

  close(): void {
    this.db.close();
  }
}
