import { base64Url, fromBase64Url } from '../auth/secrets';

/** Position after an event in the newest-first order: (timestamp, id) of the last item seen. */
export interface Cursor {
  timestamp: number;
  id: string;
}

export function encodeCursor(cursor: Cursor): string {
  return base64Url(new TextEncoder().encode(JSON.stringify([cursor.timestamp, cursor.id])));
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
    if (
      Array.isArray(decoded) &&
      decoded.length === 2 &&
      Number.isSafeInteger(decoded[0]) &&
      typeof decoded[1] === 'string' &&
      decoded[1].length <= 256
    ) {
      return { timestamp: decoded[0] as number, id: decoded[1] };
    }
  } catch {
    // Not base64 or not JSON: fall through.
  }
  return null;
}
