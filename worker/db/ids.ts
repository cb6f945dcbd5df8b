import { monotonicFactory, ulid } from 'ulid';

// Monotonic so ids made in the same millisecond still sort in creation order.
const nextUlid = monotonicFactory();

export function newUlid(now: number = Date.now()): string {
  return nextUlid(now);
}

export type IdPrefix = 'org' | 'inst' | 'usr' | 'key' | 'nc' | 'dlv' | 'ping' | 'ses' | 'inv' | 'pk' | 'lst' | 'lsd' | 'sv' | 'mov';

export function newId(prefix: IdPrefix): string {
  return `${prefix}_${nextUlid()}`;
}

/** A ULID whose time part is the event's own time, so ids sort roughly like timestamps. */
export function eventUlid(timestamp: number): string {
  return ulid(timestamp);
}
