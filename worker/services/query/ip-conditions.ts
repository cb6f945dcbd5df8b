import { or, type SQL, sql } from 'drizzle-orm';
import { formatIpv6, parseIpRange } from '../../db/ip-address.ts';
import { auditEvents } from '../../db/schema.ts';
import { toHex } from '../../hex.ts';

/**
 * The search box's `ip:` as conditions on the stored actor address (db/actor-address.ts: a
 * canonical address is its 4 or 16 bytes), each served by the audit_events_actor_ip_time index:
 * one address is an equality, a CIDR prefix the range of bytes from its first to its last
 * address. Bytes compare byte by byte and a longer blob sorts after its prefix, so an IPv4 range
 * could meet a 16-byte IPv6 address that starts with the same bytes: the range also checks the
 * length (read from the index entry, no row lookup). The bounds are literals made here from parsed
 * bytes, never the typed text: they spend none of the statement's 100 bound values.
 */
const blob = (bytes: Uint8Array) => sql.raw(`X'${toHex(bytes)}'`);
const text = (value: string) => sql.raw(`'${value.replaceAll("'", "''")}'`);

/** One `ip:` value (already checked by the search grammar) as conditions on actor_ip, any of which matches. */
function ipConditions(value: string, key: SQL): SQL[] {
  const range = parseIpRange(value);
  if (!range) return [sql`0`];
  const column = auditEvents.actorIp;
  const single = toHex(range.low) === toHex(range.high);
  const equal = (stored: SQL) => sql`(${auditEvents.orgKey} = ${key} AND ${column} = ${stored})`;
  if (single && range.low.length === 4) return [equal(blob(range.low))];
  // Before migration 0019 an IPv6 address was stored as the text that was sent: its canonical
  // text (and the text as typed) still find those rows, in the same index.
  if (single)
    return [...new Set([toHex(range.low), formatIpv6(range.low), value])].map((stored, index) =>
      equal(index === 0 ? blob(range.low) : text(stored)),
    );
  return [
    sql`(${auditEvents.orgKey} = ${key} AND ${column} >= ${blob(range.low)} AND ${column} <= ${blob(range.high)} AND length(${column}) = ${sql.raw(String(range.low.length))})`,
  ];
}

/**
 * Any of the values. One address is an equality SQLite serves from the index as it is. A prefix
 * or several values repeat the organization in each branch (as object groups do) and are
 * `steered`: the caller keeps SQLite off the organization's time index (`+org_key`), so each
 * branch is its own range of the actor address index ("MULTI-INDEX OR"), then sorted newest
 * first. Without that, a later page of a prefix walked the time index from the cursor: to the
 * organization's oldest event when the prefix is rare (query plans in test/search-ip.test.ts).
 */
export function ipsCondition(values: string[], key: SQL): { condition: SQL; steered: boolean } | null {
  const column = auditEvents.actorIp;
  const conditions = values.flatMap((value) => ipConditions(value, key));
  if (conditions.length === 0) return null;
  // One IPv4 address: the plain equality, with the rest of the filter's own `org_key =`.
  const range = values.length === 1 ? parseIpRange(values[0] as string) : null;
  if (range && range.low.length === 4 && toHex(range.low) === toHex(range.high)) {
    return { condition: sql`${column} = ${blob(range.low)}`, steered: false };
  }
  // A lone prefix gets a second branch no row meets (no address is 0 bytes long): as one range,
  // SQLite walks the time index instead whenever the filter has a time bound (a page's cursor),
  // which for a rare prefix meant walking to the organization's oldest event.
  const never = sql`(${auditEvents.orgKey} = ${key} AND ${column} = X'')`;
  return { condition: or(...conditions, ...(conditions.length === 1 ? [never] : [])) as SQL, steered: true };
}

/** `-ip:`: the address is none of them; events without an address are kept (no address is not that address). */
export function ipsExclusion(values: string[], key: SQL): SQL | null {
  if (values.length === 0) return null;
  return sql`(${auditEvents.actorIp} IS NULL OR NOT (${or(...values.flatMap((value) => ipConditions(value, key)))}))`;
}
