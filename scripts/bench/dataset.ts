import { createHash } from 'node:crypto';
import { DatabaseSync } from 'node:sqlite';
import { actorAddressBytes } from '../../worker/db/actor-address.ts';
import { d1Databases, localD1File } from '../lib/d1-databases.ts';
import { type BenchRow, benchRows } from './rows.ts';

export interface BenchOrg {
  id: string;
  /** The D1 binding holding its events (organizations.shard). */
  shard: string;
  /** Its key in its shard's events table (organization_sequences.org_key). */
  key: number;
  ownerKey: string;
  instanceIds: string[];
}

/** The ids and owner key the generator gives an organization (so a kept dataset can be reused). */
function benchOrg(label: string): Omit<BenchOrg, 'key' | 'shard'> {
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
const placeholder = (column: string) => (column === 'content_hash' ? 'unhex(?)' : '?');

/** A column's value as the Worker stores it: canonical IPv4 actor addresses as their 4 bytes (db/actor-address.ts). */
function stored(column: string, value: BenchRow[keyof BenchRow]): BenchRow[keyof BenchRow] | Uint8Array {
  return column === 'actor_ip' && typeof value === 'string' ? (actorAddressBytes(value) ?? value) : value;
}

/**
 * Writes organizations, owners, keys and events straight into the local D1 files (before the
 * server starts): control rows into the main database, events into the organization's shard. Far
 * faster than the API for millions of rows; the schema's triggers (event_weeks) still run.
 */
export class DatasetWriter {
  private readonly db: DatabaseSync;
  private readonly databases = new Map<string, DatabaseSync>();
  /** Event shards (every database but the main one; the main one when there is no other). */
  readonly shards: string[];

  constructor(persistDir: string, config = 'wrangler.toml') {
    for (const { binding, databaseId } of d1Databases(config)) {
      const database = new DatabaseSync(localD1File(persistDir, databaseId));
      database.exec('PRAGMA synchronous = OFF');
      this.databases.set(binding, database);
    }
    this.db = this.database('DB');
    const others = [...this.databases.keys()].filter((name) => name !== 'DB');
    this.shards = others.length > 0 ? others : ['DB'];
  }

  /** One database of the deployment by binding ('DB' is the main one). */
  database(binding: string): DatabaseSync {
    const database = this.databases.get(binding);
    if (!database) throw new Error(`no local D1 database ${binding}`);
    return database;
  }

  /** An organization with its owner, owner key and two instances, on `shard` (default: the first shard). */
  organization(label: string, now: number, shard = this.shards[0] ?? 'DB'): BenchOrg {
    const { id, ownerKey, instanceIds } = benchOrg(label);
    const userId = `usr_bench_${label}`;
    this.db.prepare('INSERT INTO organizations (id, name, created_at, shard) VALUES (?, ?, ?, ?)').run(id, `Bench ${label}`, now, shard);
    this.db
      .prepare('INSERT INTO users (id, email, name, created_at) VALUES (?, ?, ?, ?)')
      .run(userId, `owner-${label}@bench.test`, `Owner ${label}`, now);
    this.db.prepare("INSERT INTO memberships (organization_id, user_id, role, created_at) VALUES (?, ?, 'owner', ?)").run(id, userId, now);
    this.db
      .prepare(
        "INSERT INTO api_keys (id, organization_id, user_id, name, role, secret_hash, prefix, created_at) VALUES (?, ?, ?, 'bench', 'owner', ?, ?, ?)",
      )
      .run(`key_bench_${label}`, id, userId, createHash('sha256').update(ownerKey).digest('hex'), ownerKey.slice(0, 12), now);
    for (const [index, instanceId] of instanceIds.entries()) {
      this.db
        .prepare('INSERT INTO instances (id, organization_id, type, name, created_at) VALUES (?, ?, ?, ?, ?)')
        .run(instanceId, id, index === 0 ? 'argocd' : 'kargo', `bench-${index}`, now);
    }
    const events = this.database(shard);
    events.prepare('INSERT INTO organization_sequences (organization_id) VALUES (?)').run(id);
    const { key } = events.prepare('SELECT org_key AS key FROM organization_sequences WHERE organization_id = ?').get(id) as {
      key: number;
    };
    return { id, shard, key, ownerKey, instanceIds };
  }

  /** An organization written by an earlier run (--reuse). */
  existing(label: string): BenchOrg {
    const org = benchOrg(label);
    const placed = this.db.prepare('SELECT shard FROM organizations WHERE id = ?').get(org.id) as { shard: string } | undefined;
    const row = placed
      ? (this.database(placed.shard).prepare('SELECT org_key AS key FROM organization_sequences WHERE organization_id = ?').get(org.id) as
          | { key: number }
          | undefined)
      : undefined;
    if (!placed || !row) throw new Error(`${org.id} is not in the kept dataset: run without --reuse`);
    return { ...org, shard: placed.shard, key: row.key };
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
   * organization-scoped search text, the organization's sequence counter and facet counters.
   */
  events(org: BenchOrg, count: number, fromMs: number, toMs: number, seed: number): number {
    const db = this.database(org.shard);
    const insert = db.prepare(
      `INSERT INTO audit_events (${COLUMNS.join(', ')}, org_key, sequence) VALUES (${COLUMNS.map(placeholder).join(', ')}, ?, ?)`,
    );
    const index = db.prepare('INSERT INTO audit_events_search (rowid, body) VALUES (last_insert_rowid(), ?)');
    const { key, last } = db
      .prepare('SELECT org_key AS key, last_sequence AS last FROM organization_sequences WHERE organization_id = ?')
      .get(org.id) as { key: number; last: number };
    let sequence = last;
    const started = performance.now();
    let written = 0;
    db.exec('BEGIN');
    for (const row of benchRows(org.id, org.instanceIds, count, fromMs, toMs, seed)) {
      sequence += 1;
      insert.run(...COLUMNS.map((column) => stored(column, row[column as keyof BenchRow])), key, sequence);
      index.run(row.search_body);
      written += 1;
      if (written % 20_000 === 0) {
        db.exec('COMMIT');
        db.exec('BEGIN');
      }
    }
    db.prepare('UPDATE organization_sequences SET last_sequence = ? WHERE organization_id = ?').run(sequence, org.id);
    // The facet counters the storing statements keep (services/event-store/event-rows.ts), for the new rows.
    db.prepare(
      `INSERT INTO event_facets (organization_id, facet, value, event_count)
       SELECT ?, facet, value, count(*) FROM (
         SELECT 'actorId' AS facet, actor_id AS value FROM audit_events WHERE org_key = ? AND sequence > ?
         UNION ALL SELECT 'action', action FROM audit_events WHERE org_key = ? AND sequence > ?
         UNION ALL SELECT 'objectType', object_type FROM audit_events WHERE org_key = ? AND sequence > ?
       ) WHERE true GROUP BY facet, value
       ON CONFLICT (organization_id, facet, value) DO UPDATE SET event_count = event_count + excluded.event_count`,
    ).run(org.id, key, last, key, last, key, last);
    db.exec('COMMIT');
    return written / ((performance.now() - started) / 1000);
  }

  /**
   * Triggers filled event_weeks while the events went in, which makes every generated week due for
   * archiving. The benchmark archives two chosen weeks itself, so nothing else may be due.
   */
  nothingDue(): void {
    for (const shard of this.shards) this.database(shard).exec('UPDATE event_weeks SET last_received_at = -2');
  }

  /**
   * Bytes of the shard files per event row (table, indexes and FTS index included), after VACUUM
   * (D1 keeps its databases compact; a freshly bulk-loaded file has half-empty pages).
   */
  bytesPerEvent(): { bytes: number; events: number } {
    let bytes = 0;
    let events = 0;
    for (const shard of this.shards) {
      const db = this.database(shard);
      db.exec('VACUUM');
      const pages = db.prepare('PRAGMA page_count').get() as { page_count: number };
      const size = db.prepare('PRAGMA page_size').get() as { page_size: number };
      bytes += pages.page_count * size.page_size;
      events += (db.prepare('SELECT count(*) AS n FROM audit_events').get() as { n: number }).n;
    }
    return { bytes, events };
  }

  /** A query on the main database, or on an organization's shard. */
  query<T>(sql: string, params: (string | number | null)[] = [], on: string | BenchOrg = 'DB'): T[] {
    return this.database(typeof on === 'string' ? on : on.shard)
      .prepare(sql)
      .all(...params) as T[];
  }

  close(): void {
    for (const database of this.databases.values()) database.close();
  }
}
