import { customType, integer } from 'drizzle-orm/sqlite-core';
import { type EventSource, SOURCE_CODES } from '../../contract/enums.ts';
import { actorAddressBytes, actorAddressText } from '../actor-address.ts';

/** All timestamps are integer milliseconds since the Unix epoch, UTC. */
export const millis = (name: string) => integer(name, { mode: 'number' });

/**
 * Where an event came from, stored as a small integer (SOURCE_CODES): SQLite stores 0 and 1 in no
 * bytes at all (record serial types 8 and 9), where the words took 6–8 per event.
 */
export const eventSource = customType<{ data: EventSource; driverData: number }>({
  dataType: () => 'integer',
  toDriver: (source) => SOURCE_CODES[source],
  fromDriver: (code) => (code === SOURCE_CODES.platform ? 'platform' : 'ingest'),
});

/** An actor's address: a canonical IPv4 or IPv6 address as its bytes, anything else as text (db/actor-address.ts). */
export const actorAddress = customType<{ data: string; driverData: string | Uint8Array | number[] }>({
  dataType: () => 'text',
  toDriver: (address) => actorAddressBytes(address) ?? address,
  fromDriver: (stored) => actorAddressText(stored),
});
