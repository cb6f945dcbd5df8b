import { base64Url, fromBase64Url } from '../auth/secrets.ts';

/**
 * Position after an event in the newest-first order: the timestamp and row position (the rowid,
 * which follows insertion order) of the last item seen. The rowid breaks ties of equal timestamps:
 * it is unique and ends every index entry (db/schema/shard.ts), so a page after a cursor is an index range.
 */
export interface Cursor {
  timestamp: number;
  position: number;
}

export function encodeCursor(cursor: Cursor): string {
  return base64Url(new TextEncoder().encode(JSON.stringify([cursor.timestamp, cursor.position])));
}

export interface PageRequest {
  limit: number;
  offset: number;
  cursor: Cursor | null;
}

/** null when the text is not a cursor this service made. */
export function decodeCursor(text: string): Cursor | null {
  try {
    const decoded: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(fromBase64Url(text)));
    if (Array.isArray(decoded) && decoded.length === 2 && Number.isSafeInteger(decoded[0]) && Number.isSafeInteger(decoded[1])) {
      return { timestamp: decoded[0] as number, position: decoded[1] as number };
    }
  } catch {
    // Not base64 or not JSON: fall through.
  }
  return null;
}
