/**
 * Bench baseline: inserts rows into D1 with plain prepared statements, no API, no validation, in
 * the same runtime (workerd + local D1) as the Worker. POST { mode, rows } → { rows, ms }.
 */
interface Env {
  DB: D1Database;
}

const COLUMNS = [
  'org_key',
  'sequence',
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
];

type Row = Record<string, string | number | null>;

function statements(db: D1Database, rows: Row[], rowsPerStatement: number): D1PreparedStatement[] {
  const result: D1PreparedStatement[] = [];
  for (let start = 0; start < rows.length; start += rowsPerStatement) {
    const chunk = rows.slice(start, start + rowsPerStatement);
    const placeholders = chunk
      .map(() => `(${COLUMNS.map((column) => (column === 'content_hash' ? 'unhex(?)' : '?')).join(', ')})`)
      .join(', ');
    result.push(
      db
        .prepare(`INSERT INTO audit_events (${COLUMNS.join(', ')}) VALUES ${placeholders}`)
        .bind(...chunk.flatMap((row) => COLUMNS.map((column) => row[column] ?? null))),
    );
  }
  return result;
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const { mode, rows } = (await request.json()) as { mode: 'single' | 'multi'; rows: Row[] };
    // D1 binds at most 100 parameters per statement: 24 columns → 4 rows per multi-row INSERT.
    const batch = statements(env.DB, rows, mode === 'single' ? 1 : 4);
    const started = Date.now(); // advances across I/O in workerd, so this times the D1 batch
    await env.DB.batch(batch);
    return Response.json({ rows: rows.length, ms: Date.now() - started });
  },
};
