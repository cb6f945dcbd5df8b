import { type Database, database } from './client.ts';
import type { ShardSet } from './shards.ts';

/**
 * D1 read replication through the Sessions API: one session per database a request touches, each
 * starting from the bookmark the client sent for that database (so it reads its own earlier
 * writes on any replica), or unconstrained. Bookmarks travel as `<binding>:<bookmark>` items,
 * comma-separated, in the X-D1-Bookmark header or the dashboard's cookie (docs/API.md).
 */
export class DatabaseSessions {
  private readonly sessions = new Map<string, D1DatabaseSession>();
  private readonly databases = new Map<string, Database>();

  private readonly shards: ShardSet;
  private readonly received: ReadonlyMap<string, string>;
  private readonly firstQuery: D1SessionConstraint;

  constructor(shards: ShardSet, received: ReadonlyMap<string, string>, firstQuery: D1SessionConstraint) {
    this.shards = shards;
    this.received = received;
    this.firstQuery = firstQuery;
  }

  /** The database behind a binding (the main one or a shard), within this request's session. */
  database(name: string): Database {
    const known = this.databases.get(name);
    if (known) return known;
    const session = this.shards.binding(name).withSession(this.received.get(name) ?? this.firstQuery);
    this.sessions.set(name, session);
    const db = database(sessionAsD1(session));
    this.databases.set(name, db);
    return db;
  }

  /** The bookmarks to hand back: the newest of each database this request used, and the others as received. */
  bookmarks(): string {
    const merged = new Map(this.received);
    for (const [name, session] of this.sessions) {
      const bookmark = session.getBookmark();
      if (bookmark) merged.set(name, bookmark);
    }
    return formatBookmarks(merged);
  }
}

/** A bookmark as D1 makes them (hex groups joined by dashes); anything else is refused. */
const BOOKMARK = /^[0-9a-f]{1,32}(-[0-9a-f]{1,64}){1,7}$/;

/** Parses `<binding>:<bookmark>,…`; null when malformed or naming a database this deployment lacks. */
export function parseBookmarks(text: string, shards: ShardSet): Map<string, string> | null {
  const result = new Map<string, string>();
  if (text.trim() === '') return result;
  const items = text.split(',');
  if (items.length > shards.all.length) return null;
  for (const item of items) {
    const separator = item.indexOf(':');
    const name = item.slice(0, separator).trim();
    const bookmark = item.slice(separator + 1).trim();
    if (separator < 1 || !shards.all.includes(name) || !BOOKMARK.test(bookmark) || result.has(name)) return null;
    result.set(name, bookmark);
  }
  return result;
}

function formatBookmarks(bookmarks: ReadonlyMap<string, string>): string {
  return [...bookmarks].map(([name, bookmark]) => `${name}:${bookmark}`).join(',');
}

/** Drizzle's D1 driver only prepares and batches, which a session does too. */
function sessionAsD1(session: D1DatabaseSession): D1Database {
  const unsupported = (what: string) => () => {
    throw new Error(`${what} is not available on a D1 session`);
  };
  return {
    prepare: (query: string) => session.prepare(query),
    batch: <T = unknown>(statements: D1PreparedStatement[]) => session.batch<T>(statements),
    exec: unsupported('exec'),
    withSession: unsupported('withSession'),
    dump: unsupported('dump'),
  };
}
