import { createHash } from 'node:crypto';
import type autocannon from 'autocannon';
import { ulid } from 'ulid';
import { SOURCE_CODES } from '../../worker/contract/enums.ts';
import { searchableFields, toEventContent } from '../../worker/events/event-shape.ts';
import { searchBody } from '../../worker/events/search-text.ts';
import { seededRandom } from '../lib/demo-events.ts';

/** One audit_events row as the Worker stores it (columns in schema order). */
export interface BenchRow {
  id: string;
  instance_id: string | null;
  timestamp: number;
  received_at: number;
  action: string;
  actor_type: string;
  actor_id: string;
  actor_ip: string | null;
  object_type: string;
  object_name: string;
  object_kind: string | null;
  object_group: string | null;
  parent_name: string | null;
  parent_parent_name: string | null;
  parent_application_name: string | null;
  details_message: string | null;
  details_patch: string | null;
  details_action_type: string | null;
  details_json: string | null;
  /** Hex of the stored content hash (the first 16 bytes of the SHA-256), inserted with unhex(). */
  content_hash: string;
  source: number;
  source_key_id: string;
  /** The organization-scoped search text the Worker indexes with the row (not a column). */
  search_body: string;
}

export const ACTORS = Array.from({ length: 40 }, (_, index) => `user${index}@example.com`);
const ACTIONS = ['sync', 'update', 'create', 'delete', 'promote', 'approve', 'rollback'];
const OBJECT_TYPES = ['argocd_application', 'argocd_cluster', 'argocd_project', 'kargo_promotion', 'kargo_freight', 'member', 'api_key'];
const WORDS = ['guestbook', 'payments', 'checkout', 'inventory', 'gateway', 'search', 'billing', 'ledger', 'frontend', 'worker'];

/**
 * Deterministic, realistic rows: `count` events of one organization with timestamps spread evenly
 * over [fromMs, toMs). Same seed → same rows. The content hash is computed exactly as the Worker does.
 */
export function* benchRows(
  organizationId: string,
  instanceIds: string[],
  count: number,
  fromMs: number,
  toMs: number,
  seed: number,
): Generator<BenchRow> {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const step = (toMs - fromMs) / count;
  for (let index = 0; index < count; index += 1) {
    const timestamp = Math.floor(fromMs + index * step + random() * step);
    const type = pick(OBJECT_TYPES);
    const name = `${pick(WORDS)}-${Math.floor(random() * 500)}`;
    const action = pick(ACTIONS);
    const columns = {
      id: ulid(timestamp, random),
      instanceId: type === 'member' || type === 'api_key' ? null : pick(instanceIds),
      timestamp,
      action,
      actorType: random() < 0.7 ? 'user' : 'service',
      actorId: pick(ACTORS),
      actorIp: `203.0.113.${Math.floor(random() * 250)}`,
      objectType: type,
      objectName: name,
      objectKind: 'Application',
      objectGroup: 'argoproj.io',
      objectNamespace: null,
      parentName: 'prod',
      parentParentName: null,
      parentApplicationName: null,
      parentKargoProjectName: null,
      detailsMessage: `${action} ${name} to ${Math.floor(random() * 0xfffffff).toString(16)} by ${pick(WORDS)}`,
      detailsPatch:
        action === 'update'
          ? JSON.stringify({ spec: { source: { targetRevision: `v1.${Math.floor(random() * 40)}.${Math.floor(random() * 10)}` } } })
          : null,
      detailsActionType: action,
      detailsJson: null,
    };
    yield {
      id: columns.id,
      instance_id: columns.instanceId,
      timestamp,
      received_at: timestamp + 1000,
      action,
      actor_type: columns.actorType,
      actor_id: columns.actorId,
      actor_ip: columns.actorIp,
      object_type: type,
      object_name: name,
      object_kind: columns.objectKind,
      object_group: columns.objectGroup,
      parent_name: columns.parentName,
      parent_parent_name: null,
      parent_application_name: null,
      details_message: columns.detailsMessage,
      details_patch: columns.detailsPatch,
      details_action_type: action,
      details_json: null,
      content_hash: createHash('sha256')
        .update(JSON.stringify(toEventContent(organizationId, columns)))
        .digest('hex')
        .slice(0, 32),
      source: SOURCE_CODES.ingest,
      source_key_id: `key_bench_${organizationId.replace('org_bench_', '')}`,
      search_body: searchBody(organizationId, searchableFields(columns)),
    };
  }
}

/** The same row in the API's ingest shape (for the full-API ingest benchmark). */
export function ingestShape(row: BenchRow) {
  return {
    id: row.id,
    instanceId: row.instance_id,
    timestamp: new Date(row.timestamp).toISOString(),
    action: row.action,
    actor: { type: row.actor_type, id: row.actor_id, ip: row.actor_ip ?? '' },
    object: {
      type: row.object_type,
      id: { name: row.object_name, kind: row.object_kind ?? '', group: row.object_group ?? '' },
      parentId: { name: row.parent_name ?? '' },
    },
    details: { message: row.details_message ?? '', patch: row.details_patch ?? '', actionType: row.details_action_type ?? '' },
  };
}

/**
 * autocannon options that send `rows` to an organization's ingest endpoint in batches of `batch`,
 * 4 clients, each request with the next of `keys` (the ingest section and probe-ingest.ts).
 */
export function ingestLoad(url: string, rows: BenchRow[], batch: number, keys: string[]): autocannon.Options {
  let next = 0;
  let keyIndex = 0;
  return {
    url,
    connections: 4,
    amount: Math.ceil(rows.length / batch),
    requests: [
      {
        method: 'POST',
        setupRequest: (request: autocannon.Request) => {
          const items = rows.slice(next, next + batch).map(ingestShape);
          next += batch;
          keyIndex += 1;
          return {
            ...request,
            headers: { 'content-type': 'application/json', authorization: `Bearer ${keys[keyIndex % keys.length]}` },
            body: JSON.stringify({ items }),
          };
        },
      },
    ],
  };
}
